"""How case listings are ordered and paged: by keyset, never by OFFSET.

A page ends at a case; the next page is read from the cases after it in the listing's
order, so the database seeks in an index instead of counting past every earlier row,
and cases that arrive or leave between pages shift nothing. The position travels to the
client as an opaque token (base64 of JSON) naming the order it belongs to; it carries no
secret and grants nothing, as every page is read within the caller's scope again.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from modmesh.decision.audit import as_utc
from modmesh.decision.domain import Case
from modmesh.decision.tables import CaseRow
from modmesh.runtime.errors import InvalidArgument


class Order(enum.Enum):
    #: The review queue's: most urgent, then oldest first.
    QUEUE = "queue"
    #: Newest first.
    NEWEST = "newest"


@dataclass(frozen=True)
class Cursor:
    """The last case of a page, as far as its listing's order needs it."""

    order: Order
    priority: int
    created_at: datetime
    case_id: str


def cursor_after(case: Case, order: Order) -> Cursor:
    return Cursor(order, int(case.priority or 0), case.created_at, case.case_id)


def split_page(cases: list[Case], limit: int, order: Order) -> tuple[list[Case], str]:
    """The page in the `limit + 1` cases read (the extra one says whether a page follows)
    and the token of the next page, "" when this page is the last."""
    if len(cases) <= limit:
        return cases, ""
    return cases[:limit], page_token(cursor_after(cases[limit - 1], order))


def order_by(order: Order) -> tuple[Any, ...]:
    if order is Order.QUEUE:
        return CaseRow.priority.desc(), CaseRow.created_at.asc(), CaseRow.id.asc()
    return CaseRow.created_at.desc(), CaseRow.id.desc()


def after(cursor: Cursor) -> ColumnElement[bool]:
    """The cases after `cursor` in its order (ties on time broken by id)."""
    at, case_id = cursor.created_at, cursor.case_id
    if cursor.order is Order.NEWEST:
        return or_(CaseRow.created_at < at, and_(CaseRow.created_at == at, CaseRow.id < case_id))
    later = or_(CaseRow.created_at > at, and_(CaseRow.created_at == at, CaseRow.id > case_id))
    # Less urgent, or as urgent and later: spelt with `priority <= p` first, a range the
    # database starts its index scan at, instead of the queue's head.
    return and_(
        CaseRow.priority <= cursor.priority,
        or_(CaseRow.priority < cursor.priority, later),
    )


def page_token(cursor: Cursor) -> str:
    fields = {
        "o": cursor.order.value,
        "p": cursor.priority,
        "t": cursor.created_at.isoformat(),
        "i": cursor.case_id,
    }
    text = json.dumps(fields, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_from(token: str, order: Order) -> Cursor | None:
    """The position `token` names (None for the first page); INVALID_ARGUMENT for a
    token this service did not give out, or one of a listing in another order."""
    if not token:
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = Cursor(
            Order(fields["o"]),
            _int(fields["p"]),
            as_utc(datetime.fromisoformat(fields["t"])),
            _text(fields["i"]),
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InvalidArgument(
            "page_token is not a token this list gave out; pass the next_page_token of the "
            "previous page as it came, or none for the first page",
            field="page_token",
        ) from None
    if cursor.order is not order:
        raise InvalidArgument(
            f"page_token belongs to a listing in the {cursor.order.value} order, not this "
            f"one ({order.value}); start again without it",
            field="page_token",
        )
    return cursor


def _int(value: object) -> int:
    # Bounded: a token is client input, and the drivers refuse integers past 64 bits.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
        raise TypeError(value)
    return value


def _text(value: object) -> str:
    # A case id is at most 32 characters; PostgreSQL refuses text holding NUL.
    if not isinstance(value, str) or not 0 < len(value) <= 32 or "\0" in value:
        raise TypeError(value)
    return value
