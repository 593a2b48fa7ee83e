"""Scored lists for spreadsheet users: output in the input's own CSV dialect or as .xlsx with
a data dictionary, a review pick-list for the rows the matcher left open, and headcount
shares in highly exposed work.

- :func:`dialect` / :func:`csv_like_input`: a ``;``-separated Windows-1252 input comes back
  ``;``-separated in Windows-1252; UTF-8 (and UTF-16) input comes back as UTF-8 with a BOM, so
  Excel opens it with the right columns and accents.
- :func:`write_xlsx`: the rows on a "scores" sheet and a "data dictionary" sheet that says
  what each column means (bands and their cut-offs included).
- :func:`review_list` / :func:`read_picks`: rows left ambiguous or unmatched, one line per
  distinct input with its candidates; the user writes the chosen code in ``code`` and feeds
  the file back with ``--resolved``.
- :func:`headcount`: with a headcount column, the share of the headcount whose occupation is
  highly offshorable, highly routine and highly place-bound (score at least
  :data:`HIGH_AT`), with an interval from the score intervals (lower: the interval's lower
  bound is high; upper: its upper bound is), overall and by a grouping column.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import polars as pl

from exposure.errors import InputError
from exposure.scoring.codebook import CONSTRUCTS

HIGH_AT = 0.5  # a score at or above this counts as highly exposed (as the report's default threshold)
HEADCOUNT_CONSTRUCTS = ("offshorability", "routinizability", "place_boundness")


def dialect(data: bytes) -> tuple[str, str]:
    """The delimiter and an output encoding for a CSV/TSV input: ``cp1252`` for Windows-1252
    input, else ``utf-8-sig`` (UTF-8 with BOM)."""
    from exposure.batch import _delimiter

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-8-sig"
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
    first = next((line for line in text.splitlines() if line.strip()), "")
    return _delimiter(first), encoding


def csv_like_input(df: pl.DataFrame, delimiter: str, encoding: str) -> bytes:
    """CSV bytes in the input's delimiter and encoding (characters the encoding lacks become "?")."""
    from exposure.io import csv_safe

    return csv_safe(df).write_csv(separator=delimiter).encode(encoding, errors="replace")


# --- data dictionary -------------------------------------------------------------------------

_MATCH = {
    "match_status": "matched (scored), ambiguous (several occupations fit; see match_candidates) or unmatched",
    "match_method": "how the row was matched: a code, an exact title, title similarity, or picked in a review file",
    "matched_taxonomy": "onet (O*NET 29.2), isco08 (ISCO-08) or esco (ESCO 1.2.0)",
    "matched_code": "the occupation's code in that taxonomy",
    "matched_title": "the occupation's official title",
    "match_confidence": "1 for codes and exact titles; else the cosine similarity of the title to the occupation",
    "runner_up_code": "the next closest occupation (for unmatched rows: the closest one)",
    "runner_up_title": "its title",
    "match_candidates": "for ambiguous rows: the closest occupations with their similarity, best first",
}
_CONSTRUCT = {
    "routinizability": "how routine the tasks are (0-1)",
    "place_boundness": "how much the tasks are tied to a place (0-1): the highest of person-, site- and material-bound",
    "person_bound": "how much the tasks need people in person (0-1)",
    "site_bound": "how much the tasks are tied to a site (0-1)",
    "material_bound": "how much the tasks handle physical material (0-1)",
    "offshorability": "how much of the work could be done from abroad (0-1)",
}


def dictionary(df: pl.DataFrame, input_columns: list[str], column: str) -> pl.DataFrame:
    """What each output column means, in order."""
    from exposure.lookup import BANDS

    cuts = f"low below the {BANDS[0][0]:.1f}th percentile, high from the {BANDS[1][0]:.1f}th"
    rows = []
    for c in df.columns:
        if c in input_columns:
            meaning = "from the input" + (" (the occupations that were matched)" if c == column else "")
        elif c in _MATCH:
            meaning = _MATCH[c]
        elif c in _CONSTRUCT or c in CONSTRUCTS:
            meaning = _CONSTRUCT.get(c, f"{c.replace('_', ' ')} (0-1)") + "; weighted mean over the occupation's tasks"
        elif c.endswith(("_lo", "_hi")) and (c[:-3] in _CONSTRUCT or c[:-3] in CONSTRUCTS):
            meaning = f"{'lower' if c.endswith('_lo') else 'upper'} bound of the 90% interval of {c[:-3]}"
        elif c.endswith("_percentile"):
            meaning = f"percentile (0-100) of {c[:-11]} among all occupations of the taxonomy"
        elif c.endswith("_band"):
            meaning = f"band of {c[:-5]}: {cuts}"
        elif c.startswith("share_high_"):
            meaning = f"share of the occupation's task weight whose {c[11:]} is high (0.5 or more)"
        elif c.endswith("_range"):
            meaning = f"for ambiguous rows: the lowest and highest {c[:-6]} among the candidates"
        elif c == "identity_dissolution":
            meaning = "how much the occupation's skill identity blurs into generic (digital) skills (0-1)"
        else:
            meaning = ""
        rows.append((c, meaning))
    return pl.DataFrame(rows, schema={"column": pl.String, "meaning": pl.String}, orient="row")


def write_xlsx(df: pl.DataFrame, path: Path, input_columns: list[str], occupation_column: str, **manifest) -> None:
    """An .xlsx workbook (sheet "scores" and sheet "data dictionary"), then its manifest."""
    from exposure.io import atomic_path
    from exposure.manifest import write_manifest

    with atomic_path(Path(path)) as tmp:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        book.set_properties({"created": datetime(2000, 1, 1)})  # same inputs, same bytes
        df.write_excel(book, worksheet="scores", autofit=True, float_precision=4)
        dictionary(df, input_columns, occupation_column).write_excel(book, worksheet="data dictionary", autofit=True)
        book.close()
    write_manifest(Path(path), **manifest)


# --- review pick-list --------------------------------------------------------------------------


def review_list(df: pl.DataFrame, column: str) -> pl.DataFrame:
    """One line per distinct input left ambiguous or unmatched: its rows, status, candidates,
    and an empty ``code`` for the user's choice."""
    open_rows = df.with_row_index("row", offset=1).filter(pl.col("match_status") != "matched")
    return (
        open_rows.with_columns(input=pl.col(column).fill_null("").str.strip_chars())
        .group_by("input", maintain_order=True)
        .agg(rows=pl.col("row").cast(pl.String).str.join(" "), status=pl.col("match_status").first(),
             candidates=pl.coalesce(pl.col("match_candidates"),
                                    pl.col("runner_up_code") + " " + pl.col("runner_up_title")).first())
        .with_columns(code=pl.lit(""))
        .select("input", "code", "status", "candidates", "rows")
    )


def read_picks(source: str | Path) -> dict[str, str]:
    """input -> chosen code from an edited review file (rows with an empty code are skipped)."""
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no such review file: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    from exposure.batch import _delimiter

    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(first))
    if not reader.fieldnames or not {"input", "code"} <= set(reader.fieldnames):
        raise InputError(f"{path} is not a review file: it needs the columns 'input' and 'code' "
                         f"(write one with --review)")
    picks = {}
    for i, r in enumerate(reader, 2):
        code = (r.get("code") or "").strip()
        if code:
            picks[(r.get("input") or "").strip()] = code
    return picks


# --- headcount -----------------------------------------------------------------------------


def headcount(df: pl.DataFrame, weight: str, by: str | None = None) -> pl.DataFrame:
    """Share of the matched headcount in highly offshorable, routine and place-bound work,
    with intervals; overall, and per value of ``by``."""
    if weight not in df.columns:
        raise InputError(f"no column {weight!r} for --weight; columns: {', '.join(df.columns)}")
    if by is not None and by not in df.columns:
        raise InputError(f"no column {by!r} for --by; columns: {', '.join(df.columns)}")
    w = pl.col(weight).cast(pl.String).str.strip_chars().str.replace_all(r"[ ,]", "").cast(pl.Float64, strict=False)
    data = df.with_columns(__w=w)
    bad = data.with_row_index("__row", offset=1).filter(pl.col("__w").is_null() | (pl.col("__w") < 0))
    if bad.height:
        raise InputError(f"column {weight!r} must hold headcounts (numbers of 0 or more); row {bad['__row'][0]} "
                         f"has {bad[weight][0]!r}")
    group = pl.col(by).cast(pl.String).fill_null("") if by else pl.lit("all")
    parts = [data.with_columns(group=pl.lit("all"))] + ([data.with_columns(group=group)] if by else [])
    matched = pl.col("match_status") == "matched"
    n = pl.col("__w").filter(matched).sum()

    def share(col: str) -> pl.Expr:
        return pl.when(n > 0).then((pl.col("__w").filter(matched & (pl.col(col) >= HIGH_AT)).sum() / n).round(4))

    out = pl.concat([
        pl.concat(parts).group_by("group", maintain_order=True).agg(
            construct=pl.lit(c), headcount=pl.col("__w").sum(), headcount_matched=n,
            share_high=share(c), share_high_lo=share(f"{c}_lo"), share_high_hi=share(f"{c}_hi"))
        for c in HEADCOUNT_CONSTRUCTS
    ])
    key = pl.when(pl.col("group") == "all").then(0).otherwise(1)
    order = {c: i for i, c in enumerate(HEADCOUNT_CONSTRUCTS)}
    out = out.with_columns(__k=key, __c=pl.col("construct").replace_strict(order, return_dtype=pl.Int8))
    out = out.sort("__k", "group", "__c").drop("__k", "__c")
    return out.sort(key, "group").rename({"group": by or "group"})
