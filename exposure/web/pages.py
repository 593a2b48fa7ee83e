"""The HTML pages and CSV downloads: each route reads its parameters, calls one method of
the :class:`~exposure.web.explorer.Explorer` and renders a template (or writes a CSV).
Every page works without JavaScript (plain links and GET forms)."""

from __future__ import annotations

from typing import Annotated

import polars as pl
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from exposure.io import csv_safe
from exposure.web.explorer import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    REPORT_TAXONOMIES,
    Explorer,
    check_text,
    is_ref,
    occupation_url,
    parse_ref,
    ref,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Query(max_length=10_000)]  # the explorer gives the one-line error for long text


def explorer(request: Request) -> Explorer:
    return request.app.state.explorer


def render(request: Request, name: str, **context) -> Response:
    return request.app.state.templates.TemplateResponse(request, name, context)


def csv_response(df: pl.DataFrame, filename: str) -> Response:
    """A table as CSV (spreadsheet formulas defused by :func:`exposure.io.csv_safe`)."""
    return Response(csv_safe(df).write_csv(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/")
def home(request: Request, q: Text = "", taxonomy: str = ""):
    return search(request, q, taxonomy)


@router.get("/search")
def search(request: Request, q: Text = "", taxonomy: str = ""):
    found = explorer(request).search(q, taxonomy or None)
    return render(request, "search.html", found=found, q=found["query"], taxonomy=taxonomy)


@router.get("/occupation/{taxonomy}/{code}/{table}.csv")
def occupation_csv(request: Request, taxonomy: str, code: str, table: str):
    df = explorer(request).occupation_table(taxonomy, code, table)
    return csv_response(df, f"{taxonomy}-{code}-{table}.csv")


@router.get("/occupation/{taxonomy}/{code}")
def occupation(request: Request, taxonomy: str, code: str):
    page = explorer(request).occupation(taxonomy, code)
    canonical = page.occupation["code"]
    if canonical != code:
        return RedirectResponse(occupation_url(taxonomy, canonical), status_code=301)
    return render(request, "occupation.html", page=page, ref=ref(taxonomy, canonical))


@router.get("/compare.csv")
def compare_csv(request: Request, a: Text, b: Text):
    result = explorer(request).compare(a, b)
    return csv_response(pl.DataFrame(result["scores"]), f"compare-{a}-{b}.csv".replace(":", "_"))


@router.get("/compare")
def compare(request: Request, a: Text = "", b: Text = ""):
    """Both as taxonomy:code: the comparison. Otherwise a form, and for a title or code
    typed in it, its matches as choices (in the first occupation's taxonomy for ``b``)."""
    ex = explorer(request)
    a, b = check_text(a, "occupation"), check_text(b, "occupation")
    if is_ref(a) and is_ref(b):
        return render(request, "compare.html", result=ex.compare(a, b), a=a, b=b)
    first = ex.occupation(*parse_ref(a)) if is_ref(a) else None
    found_a = ex.search(a) if a and not first else None
    found_b = ex.search(b, parse_ref(a)[0] if first else None) if b and not is_ref(b) else None
    return render(request, "compare.html", result=None, a=a, b=b, first=first, found_a=found_a, found_b=found_b)


@router.get("/explore")
def explore_home():
    return RedirectResponse("/explore/onet", status_code=307)


@router.get("/explore/{taxonomy}.csv")
def explore_csv(request: Request, taxonomy: str, q: Text = "", major: Text = "", sort: str = "occupation_code",
                desc: bool = False):
    df = explorer(request).table(taxonomy, q, major, sort, desc)
    return csv_response(df, f"{taxonomy}-occupations.csv")


@router.get("/explore/{taxonomy}")
def explore(request: Request, taxonomy: str, q: Text = "", major: Text = "", sort: str = "occupation_code",
            desc: bool = False, page: Annotated[int, Query(ge=1)] = 1,
            size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE):
    df = explorer(request).table(taxonomy, q, major, sort, desc)
    pages = max(1, -(-df.height // size))
    rows = df.slice((page - 1) * size, size)
    params = {"q": q, "major": major, "sort": sort, "desc": int(desc), "size": size}
    return render(request, "explore.html", taxonomy=taxonomy, rows=rows.to_dicts(), columns=df.columns,
                  total=df.height, page=page, pages=pages, params=params)


@router.get("/reports")
def reports(request: Request):
    return render(request, "reports.html", built=explorer(request).reports(), report_taxonomies=REPORT_TAXONOMIES)


@router.get("/reports/open")
def open_report(request: Request, taxonomy: str = "onet", employment: str = "oews", country: Text = "",
                year: Text = ""):
    name = explorer(request).report(taxonomy, employment, country.strip() or None, year)
    return RedirectResponse(f"/reports/{name}/report.html", status_code=303)


@router.get("/reports/{name}/{file}")
def report_file(request: Request, name: str, file: str):
    path = explorer(request).report_file(name, file)
    media = "text/html; charset=utf-8" if path.suffix == ".html" else "text/csv; charset=utf-8"
    return FileResponse(path, media_type=media)


@router.get("/favicon.ico")
def favicon():
    return RedirectResponse("/static/favicon.svg", status_code=301)


__all__ = ["router"]
