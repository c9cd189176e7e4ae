"""The request models say what the services accept, and accept what they say: regressions
the contract fuzzing found."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from modmesh.gateway.routes.common import multipart_body
from modmesh.gateway.schemas import (
    AccountIn,
    CreateBankIn,
    MatchIn,
    MediaForm,
    ReviewerIn,
    SimilaritySearchForm,
)
from modmesh.runtime.errors import InvalidArgument


def test_a_time_in_a_json_body_is_an_rfc3339_string_never_a_number() -> None:
    assert MatchIn.model_validate({"text": "a", "capture_time": "2000-01-01T00:00:00Z"})
    with pytest.raises(ValidationError, match="RFC 3339"):
        MatchIn.model_validate({"text": "a", "capture_time": 0})


@pytest.mark.parametrize("capture_time", ["0.5", "1700000000", "2000-01-01"])
def test_a_time_in_a_form_is_an_rfc3339_date_time_not_digits_read_as_epoch_seconds(
    capture_time: str,
) -> None:
    assert MediaForm.model_validate({"account_id": "a", "capture_time": "2000-01-01T00:00:00Z"})
    with pytest.raises(ValidationError, match="RFC 3339"):
        MediaForm.model_validate({"account_id": "a", "capture_time": capture_time})


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (AccountIn, {"reason": "r", "protected": 0}),
        (ReviewerIn, {"reason": "r", "protected_queue": "true"}),
        (CreateBankIn, {"name": "bank", "min_match_percent": False}),
        (CreateBankIn, {"name": "bank", "max_distance": "5"}),
    ],
)
def test_a_json_body_takes_json_types_not_what_pydantic_would_convert(
    model: type[BaseModel], body: dict[str, object]
) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(body)


def test_a_whole_number_is_a_number_and_an_integer_as_json_schema_has_it() -> None:
    assert CreateBankIn.model_validate({"name": "bank", "min_match_percent": 50})
    assert CreateBankIn.model_validate({"name": "bank", "max_distance": 88.0}).max_distance == 88
    with pytest.raises(ValidationError):
        CreateBankIn.model_validate({"name": "bank", "max_distance": 88.5})


@pytest.mark.parametrize("form", [MediaForm, SimilaritySearchForm])
def test_a_form_field_is_documented_as_text_or_absent_never_null(form: type[BaseModel]) -> None:
    body = multipart_body(form, "the media")["requestBody"]["content"]["multipart/form-data"]
    for name, field in body["schema"]["properties"].items():
        assert "null" not in json.dumps(field), name


@pytest.mark.parametrize(("k", "max_distance"), [(0, None), (-1, None), (101, None), (5, -1)])
def test_a_search_out_of_range_is_refused_before_any_service_is_asked(
    k: int, max_distance: int | None
) -> None:
    with pytest.raises(ValidationError):
        SimilaritySearchForm.model_validate({"k": k, "max_distance": max_distance})


def test_ids_and_reasons_carry_the_rules_the_services_apply() -> None:
    with pytest.raises(ValidationError):
        CreateBankIn.model_validate({"name": "Not A Bank"})
    with pytest.raises(ValidationError):
        ReviewerIn.model_validate({"reason": " \x1c "})


def test_a_lone_surrogate_in_any_text_is_a_400_naming_the_field() -> None:
    with pytest.raises(InvalidArgument, match="categories has a lone surrogate"):
        ReviewerIn.model_validate({"reason": "new", "categories": ["\ud800"]})
