"""Rule set documents: read from YAML or JSON, checked whole against declarative models,
and turned into a `RuleSet`.

The models below are the document's schema (`rule_document_schema()` publishes it). A
document is checked whole before it is accepted: unknown fields, conditions that can
never hold and rules that detected language alone would trigger are refused, each with
the path of the offending part (e.g. `rules[1].when.all[0].term_hits.min_count`).
Pydantic's own messages are replaced by ours (`_problems`), which say what to write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from modmesh.decision.policy.rule_set import DEFAULT_DOCUMENT, DEFAULT_RULE, Rule, RuleSet
from modmesh.decision.policy.spec import (
    CONDITION_KINDS,
    OUTCOME_KINDS,
    AccountFlagsSpec,
    AutoActionSpec,
    IgnoreSpec,
    LanguageSpec,
    ModelScoreSpec,
    QueueSpec,
    RuleDocument,
    RuleSpec,
    SimilaritySpec,
    TermHitsSpec,
)
from modmesh.runtime.errors import FieldViolation, InvalidArgument

#: Largest rule set document accepted, in characters.
MAX_DOCUMENT_CHARS = 200_000
#: Most values (mappings, lists and scalars) and deepest nesting a document may have:
#: far above any real rule set, far below what stalls the parser.
MAX_DOCUMENT_NODES = 50_000
MAX_DOCUMENT_DEPTH = 32

#: What a missing field's problem says, by field name.
_MISSING = {
    "rules": "is required: a non-empty list of rules",
    "id": "is required: a name for the rule",
    "when": "must be {all: [conditions]} or {any: [conditions]}",
    "then": f"must name exactly one outcome: {', '.join(OUTCOME_KINDS)}",
    "any_of": "is required: the flags that make this hold",
    "in": "is required: the language codes",
    "model": "is required: the model's name",
    "action": "must be remove_content, or end_stream for live streams",
    "policy": "is required: the policy the action applies",
    "reason": "is required: why such evidence is ignored",
}


class RuleSetInvalid(InvalidArgument):
    """A rule set document was refused; `violations` name every problem found."""

    def __init__(self, problems: Sequence[FieldViolation]) -> None:
        listed = "; ".join(f"{p.field}: {p.description}" for p in problems)
        super().__init__(f"rule set refused: {listed}")
        self.violations = list(problems)


def rule_document_schema() -> dict[str, Any]:
    """The JSON Schema of a rule set document."""
    return RuleDocument.model_json_schema()


class _BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML has no stubs here
    """YAML's safe loader without aliases and within node and depth caps.

    An alias repeats a value without repeating its text, so a few hundred characters
    of nested aliases expand to millions of values; a rule set never needs one.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in rule documents", mark
            )
        self._nodes += 1
        if self._nodes > MAX_DOCUMENT_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"has more than the limit of {MAX_DOCUMENT_NODES} values", mark
            )
        self._depth += 1
        if self._depth > MAX_DOCUMENT_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nests deeper than the limit of {MAX_DOCUMENT_DEPTH} levels", mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_document(text: str) -> dict[str, Any]:
    """Parses a rule set written in YAML or JSON (JSON is YAML) into plain data.

    It takes up to a few hundred milliseconds on the largest document: a server calls
    it off its event loop.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise RuleSetInvalid(
            [
                FieldViolation(
                    "document",
                    f"is {len(text)} characters, over the limit of {MAX_DOCUMENT_CHARS}",
                )
            ]
        )
    try:
        data = yaml.load(text, Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "not YAML or JSON"
        raise RuleSetInvalid([FieldViolation("document", f"{problem}{where}")]) from None
    if not isinstance(data, dict):
        raise RuleSetInvalid([FieldViolation("document", "must be a mapping with a `rules` list")])
    # Round-trip through JSON: what is stored and hashed is plain JSON data.
    try:
        return dict(json.loads(json.dumps(data)))
    except (TypeError, ValueError):
        raise RuleSetInvalid(
            [FieldViolation("document", "holds values JSON cannot carry (dates?)")]
        ) from None


def parse_rule_set(document: Mapping[str, Any], version: int) -> RuleSet:
    """Checks a document whole and returns its rule set, or raises RuleSetInvalid naming
    every problem by its path."""
    problems: list[FieldViolation] = []
    try:
        specs = list(enumerate(RuleDocument.model_validate(document).rules))
    except ValidationError as error:
        problems += _problems(error)
        # The rules that are valid by themselves are still compared with each other,
        # so one look names every problem of the document.
        specs = _valid_rules(document.get("rules"))
    rules: list[tuple[int, Rule]] = []
    seen: dict[str, int] = {}
    for index, spec in specs:
        path = f"rules[{index}]"
        rule = spec.to_rule()
        if rule.rule_id in seen:
            problems.append(
                FieldViolation(
                    f"{path}.id", f"{rule.rule_id!r} is already rules[{seen[rule.rule_id]}]"
                )
            )
        seen.setdefault(rule.rule_id, index)
        for earlier_index, earlier in rules:
            if (earlier.mode, set(earlier.conditions)) == (rule.mode, set(rule.conditions)):
                problems.append(
                    FieldViolation(
                        f"{path}.when",
                        f"unreachable: rules[{earlier_index}] ({earlier.rule_id}) has the same "
                        "conditions and is tried first",
                    )
                )
                break
        rules.append((index, rule))
    if problems:
        raise RuleSetInvalid(problems)
    return RuleSet(version, tuple(rule for _, rule in rules), dict(document))


def _valid_rules(raw_rules: Any) -> list[tuple[int, RuleSpec]]:
    if not isinstance(raw_rules, list):
        return []
    valid = []
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            continue
        # A rule's unknown fields or bad description do not hide its clashes with others.
        essentials = {key: raw[key] for key in ("id", "when", "then") if key in raw}
        try:
            valid.append((index, RuleSpec.model_validate(essentials)))
        except ValidationError:
            continue  # already named by the whole document's check
    return valid


def _problems(error: ValidationError) -> list[FieldViolation]:
    return [
        _problem(detail["type"], detail["loc"], detail["input"], _message(detail))
        for detail in error.errors(include_url=False)
    ]


def _message(detail: Mapping[str, Any]) -> str:
    """Our validators' words as they raised them (pydantic prefixes "Value error, ")."""
    if detail["type"] == "value_error":
        return str(detail.get("ctx", {}).get("error", detail["msg"]))
    return str(detail["msg"])


def _problem(kind: str, loc: tuple[int | str, ...], given: Any, message: str) -> FieldViolation:
    """Our path and words for one of pydantic's errors."""
    parts = _without_tags(loc)
    path = _path(parts)
    if kind == "extra_forbidden":
        allowed = _allowed_fields(parts[:-1])
        return FieldViolation(path, f"unknown field; allowed here: {', '.join(allowed)}")
    if kind == "missing":
        return FieldViolation(path, _MISSING[str(parts[-1])])
    known = ", ".join(CONDITION_KINDS)
    if kind == "union_tag_invalid":  # a one-key mapping, but no condition of that name
        return FieldViolation(f"{path}.{next(iter(given))}", f"unknown condition; known: {known}")
    if kind == "union_tag_not_found":
        return FieldViolation(path, f"must be one of: {known}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if len(parts) == 2 and parts[0] == "rules":
            return FieldViolation(path, "must be a mapping with id, when and then")
        return FieldViolation(path, "must be a mapping")
    # Our validators' and discriminators' own words are kept as they are.
    return FieldViolation(path, message)


def _without_tags(loc: Sequence[int | str]) -> list[int | str]:
    """The location without the tags pydantic puts after each tagged union (`when`,
    `then` and each condition), before the field of the same name."""
    parts: list[int | str] = []
    tag_next = False
    for part in loc:
        if tag_next:
            tag_next = False
            continue
        parts.append(part)
        at_rule_part = len(parts) == 3 and parts[2] in ("when", "then")
        at_condition = len(parts) == 5 and parts[2] == "when" and isinstance(part, int)
        tag_next = at_rule_part or at_condition
    return parts


def _path(parts: Sequence[int | str]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else part
    return path or "document"


#: The model that holds each part of a document, by the key it is written under.
_MODEL_UNDER: dict[str, type[BaseModel]] = {
    "term_hits": TermHitsSpec,
    "similarity": SimilaritySpec,
    "account_flags": AccountFlagsSpec,
    "model_score": ModelScoreSpec,
    "language": LanguageSpec,
    "queue": QueueSpec,
    "auto_action": AutoActionSpec,
    "ignore": IgnoreSpec,
}


def _allowed_fields(location: Sequence[int | str]) -> list[str]:
    """The fields the model at this location of a document may hold, sorted."""
    if not location:
        model: type[BaseModel] = RuleDocument
    elif isinstance(location[-1], int):
        model = RuleSpec
    else:
        model = _MODEL_UNDER[location[-1]]
    return sorted(field.alias or name for name, field in model.model_fields.items())


#: The rule set in force until an operator publishes one (version 1).
DEFAULT_RULE_SET = parse_rule_set(DEFAULT_DOCUMENT, DEFAULT_RULE.version)
