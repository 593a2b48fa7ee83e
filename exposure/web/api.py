"""The JSON API under ``/api``: the same :class:`~exposure.web.explorer.Explorer` calls as
the pages, as JSON. Described at ``/openapi.json`` and ``/docs`` and in docs/web.md.

Errors are ``{"error": "...", "status": N}``: 400 for unusable input (an over-long or
binary query, a bad parameter), 404 for an unknown taxonomy or occupation code.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from exposure.web.explorer import MAX_PAGE_SIZE, PAGE_SIZE, Explorer

router = APIRouter(prefix="/api", tags=["explorer"])
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unusable input: an over-long or binary query, a bad parameter. "
                         "Body: {\"error\": \"...\", \"status\": 400}"},
    404: {"description": "No such taxonomy or occupation. Body: {\"error\": \"...\", \"status\": 404}"},
}
Text = Annotated[str, Query(max_length=10_000)]


def explorer(request: Request) -> Explorer:
    return request.app.state.explorer


@router.get("/search", responses=ERRORS)
def search(request: Request,
           q: Annotated[str, Query(max_length=10_000, description="A job title or an occupation code, "
                                   "as typed (up to 200 characters)")] = "",
           taxonomy: Annotated[str, Query(description="onet, isco08 or esco; empty for all three")] = ""
           ) -> dict[str, Any]:
    """Search as you type: the best match for ``q`` in each taxonomy (the matching logic of
    ``exposure score``: codes, exact titles, then title similarity), and the titles that
    contain ``q``.

    ``results``: one per taxonomy, with ``status`` (matched, ambiguous, unmatched),
    ``method``, ``confidence`` and ``choices`` (role, code, title, url). An ambiguous
    query has two choices of role ``candidate`` and nothing chosen; an unmatched one keeps
    its ``closest`` occupation. ``suggestions``: up to 8 titles per taxonomy (official,
    alternate, ESCO labels) containing ``q``, with taxonomy, code, title, label, url.
    """
    return explorer(request).search(q, taxonomy or None)


@router.get("/occupations/{taxonomy}/{code}", responses=ERRORS)
def occupation(request: Request, taxonomy: str, code: str) -> dict[str, Any]:
    """An occupation's page: the content of ``exposure lookup CODE --json`` (query, match,
    occupation, a plain-language summary, scores with 90% intervals, percentiles and bands,
    the tasks that can move and those that stay with their evidence, the skill profile and
    identity measures, safer moves with the skills to learn and the Job Zone and wage change).
    A code in another shape (ISCO-08 ``110``, SOC ``43-9021``) answers with the
    occupation's own code in ``occupation.code``."""
    return explorer(request).occupation(taxonomy, code).as_dict()


@router.get("/compare", responses=ERRORS)
def compare(request: Request,
            a: Annotated[str, Query(max_length=10_000, description="taxonomy:code, e.g. onet:43-9021.00")],
            b: Annotated[str, Query(max_length=10_000, description="taxonomy:code, e.g. onet:43-4051.00")]
            ) -> dict[str, Any]:
    """Two occupations side by side (a move from ``a`` to ``b``): both pages (``a``, ``b``)
    and ``scores``, one row per construct with each score, interval and percentile and the
    ``change`` from a to b."""
    result = explorer(request).compare(a, b)
    return {**result, "a": result["a"].as_dict(), "b": result["b"].as_dict()}


@router.get("/occupations/{taxonomy}", responses=ERRORS)
def occupations(request: Request, taxonomy: str,
                q: Annotated[str, Query(max_length=10_000, description="Title contains, or code starts with")] = "",
                major: Annotated[str, Query(max_length=10_000, description="Code starts with, e.g. 43 or 4")] = "",
                sort: Annotated[str, Query(description="A column name")] = "occupation_code",
                desc: bool = False,
                offset: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE) -> dict[str, Any]:
    """The occupations of a taxonomy with their scores, employment and annual wage (BLS
    OEWS May 2024; O*NET and ISCO-08) and identity dissolution (O*NET and ESCO): the
    explore table. ``total`` counts the rows after filtering; ``rows`` holds ``limit``
    of them from ``offset``."""
    df = explorer(request).table(taxonomy, q, major, sort, desc)
    return {"taxonomy": taxonomy, "total": df.height, "offset": offset, "limit": limit, "columns": df.columns,
            "rows": df.slice(offset, limit).to_dicts()}


@router.get("/reports", responses=ERRORS)
def reports(request: Request) -> dict[str, Any]:
    """The analyst reports built so far (open one at ``/reports/open?taxonomy=...``; its
    page is ``/reports/NAME/report.html`` and each figure's table ``/reports/NAME/FILE.csv``)."""
    return {"built": [{"name": n, "url": f"/reports/{n}/report.html"} for n in explorer(request).reports()]}
