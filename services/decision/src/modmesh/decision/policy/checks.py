"""The checks of single fields of a rule set document, in the words a refusal uses
(`document._problem` reports them as they are); `spec` builds its models from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator


def refuse(message: str) -> ValueError:
    """A problem in our words (`document._problem` reports them as they are)."""
    return ValueError(message)


def names(value: Any) -> Any:
    """A list of names; an empty list could never match and is refused."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise refuse("must be a list of names")
    if not value:
        raise refuse("unreachable: an empty list matches nothing")
    return value


def number(low: float, high: float) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise refuse("must be a number")
        if not low <= value <= high:
            raise refuse(f"unreachable: must be between {low:g} and {high:g}")
        return value

    return check


def required_text(what: str, blank_allowed: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if not isinstance(value, str) or not (value if blank_allowed else value.strip()):
            raise refuse(f"is required: {what}")
        return value

    return check


def text(value: Any) -> Any:
    if not isinstance(value, str):
        raise refuse("must be text")
    return value


def one_of(names: Sequence[str], convert: Callable[[str], str], problem: str) -> Any:
    def check(value: Any) -> Any:
        name = convert(str(value))
        if name not in names:
            raise refuse(problem)
        return name.lower()

    return BeforeValidator(check)


def at_least_one(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise refuse("unreachable: must be a whole number of at least 1")
    return value


def distance(value: Any) -> Any:
    return int(number(0, 256)(value))


def body(value: Any) -> Any:
    """A condition or outcome written with nothing after its key means its defaults."""
    return {} if value is None else value


Names = Annotated[list[str], BeforeValidator(names)]
#: Names that may be left out; written as null they are refused like any non-list.
OptionalNames = Annotated[list[str] | None, BeforeValidator(names)]
Body = BeforeValidator(body)
