"""What cases are filtered by: their facets (the categories and lists of their term hits,
the languages of their transcript) and their source, in SQL.

Facets are copied from the evidence, one row per value, whenever a rule decides a case
(`replace_facets`), so that the queue filters, routes by skill and counts through an
index instead of reading each case's evidence JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, delete, exists, select, true
from sqlalchemy.orm import Session

from modmesh.decision.domain import LIVE_MEDIA_SCHEME, CaseFilter, CaseSource, Evidence
from modmesh.decision.tables import CaseFacetRow, CaseRow

#: Longest facet value stored: a category or a list id is a short label, but termmatch
#: does not bound a category, and the index would refuse a long one.
MAX_FACET_CHARS = 255


class Facet(enum.Enum):
    CATEGORY = "category"
    LIST = "list"
    LANGUAGE = "language"


def facets_of(evidence: Evidence) -> set[tuple[Facet, str]]:
    found = {(Facet.CATEGORY, hit.category) for hit in evidence.term_hits}
    found |= {(Facet.LIST, hit.list_id) for hit in evidence.term_hits}
    transcript = evidence.transcript
    if transcript is not None:
        found.add((Facet.LANGUAGE, transcript.language))
        found |= {(Facet.LANGUAGE, speech.language) for speech in transcript.untranscribed}
    return {(facet, value[:MAX_FACET_CHARS]) for facet, value in found if value}


def replace_facets(session: Session, case_id: str, evidence: Evidence) -> None:
    """Makes the case's facets those of `evidence` (in the caller's transaction)."""
    session.execute(delete(CaseFacetRow).where(CaseFacetRow.case_id == case_id))
    session.add_all(
        CaseFacetRow(case_id=case_id, kind=facet.value, value=value)
        for facet, value in sorted(facets_of(evidence), key=lambda f: (f[0].value, f[1]))
    )


def has_facet(facet: Facet, values: Iterable[str] | None = None) -> ColumnElement[bool]:
    """Whether the case has a `facet` value, or one of `values`."""
    query = select(CaseFacetRow.case_id).where(
        CaseFacetRow.case_id == CaseRow.id, CaseFacetRow.kind == facet.value
    )
    if values is not None:
        query = query.where(CaseFacetRow.value.in_(sorted(values)))
    return exists(query)


def where_matching(wanted: CaseFilter) -> ColumnElement[bool]:
    """The SQL condition on cases that `wanted` keeps."""
    condition: ColumnElement[bool] = true()
    for facet, value in (
        (Facet.CATEGORY, wanted.category),
        (Facet.LIST, wanted.list_id),
        (Facet.LANGUAGE, wanted.language),
    ):
        if value:
            condition = condition & has_facet(facet, [value])
    if wanted.source is not None:
        condition = condition & _from_source(wanted.source)
    if wanted.account_id:
        condition = condition & (CaseRow.account_id == wanted.account_id)
    return condition


def _from_source(source: CaseSource) -> ColumnElement[bool]:
    if source is CaseSource.BACKFILL:
        return CaseRow.retro_of.is_not(None)
    live = CaseRow.media_uri.startswith(LIVE_MEDIA_SCHEME, autoescape=True)
    return and_(CaseRow.retro_of.is_(None), live if source is CaseSource.LIVE else ~live)
