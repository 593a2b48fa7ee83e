"""Scoring a user's list of occupations: read it, resolve each row, attach the scores.

Input is a CSV/TSV file (Excel exports included: UTF-8 with or without BOM, or Windows-1252;
comma, semicolon or tab separated) whose occupation column is chosen with ``column`` or
recognised by its header, or a plain list with one occupation per line. Every input row
comes back, in order, with its other columns unchanged; rows that are ``ambiguous`` or
``unmatched`` carry no scores (nothing is guessed).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from exposure.errors import InputError
from exposure.match import MATCH_SCHEMA, resolve
from exposure.scoring.occupations import BOUNDS

MAX_LINE = 10_000
MAX_BYTES = 200 * 1024 * 1024
# header words that name the occupation column, strongest first
_HEADER_HINTS = ("occupation", "job title", "title", "job", "beruf", "metier", "profession", "isco", "esco",
                 "soc", "onet", "o*net", "code")
SCORE_COLUMNS = BOUNDS
# share of each occupation's task weight that is highly exposed, per construct
BANDED_SHARES = ("share_high_offshorability", "share_high_routinizability", "share_high_place_boundness")


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputError(f"{name} is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        text = data.decode("utf-16")
    elif b"\x00" in data[:65536]:
        raise InputError(f"{name} is not a text file (it contains NUL bytes); give a CSV, TSV or plain list")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    for i, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE:
            raise InputError(f"{name}: line {i} is longer than {MAX_LINE:,} characters; is this the right file?")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    if controls > 0.01 * min(len(text), 65536):
        raise InputError(f"{name} is not a text file (it is full of control characters); give a CSV, TSV or plain list")
    return text


def read_bytes(source: str | Path) -> tuple[bytes, str]:
    """The raw input: a file, or standard input for ``-``."""
    import sys

    if str(source) == "-":
        data, name = sys.stdin.buffer.read(MAX_BYTES + 1), "standard input"
        if len(data) > MAX_BYTES:
            raise InputError(f"{name} is larger than {MAX_BYTES // 2**20} MB")
        return data, name
    path = Path(source)
    if not path.is_file():
        raise InputError(f"no such file: {path}")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(f"{path} is larger than {MAX_BYTES // 2**20} MB")
    return path.read_bytes(), str(path)


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ("\t", ";", ",")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _hint_rank(header: str) -> int | None:
    """How strongly a header names the occupation column (lower is stronger), or None."""
    h = header.lower()
    return next((i for i, hint in enumerate(_HEADER_HINTS) if hint in h), None)


def _looks_like_table(first_line: str) -> bool:
    """A first line that is a header: delimited, with a column named like occupations."""
    cells = next(csv.reader([first_line], delimiter=_delimiter(first_line)), [])
    return len(cells) > 1 and any(_hint_rank(c) is not None for c in cells)


def parse(data: bytes, name: str, column: str | None = None, table: bool | None = None) -> tuple[pl.DataFrame, str]:
    """The input rows as a frame of text columns, and the name of the occupation column.

    ``table`` says whether the input has a header row. By default: yes when ``column`` is
    given; for a .csv/.tsv file, yes unless it has a single column whose first line does
    not name occupations (then it is a plain list); for standard input or other files, yes
    only if the first line is delimited and names an occupation column. The column is
    ``column``, else the one whose header names occupations most clearly
    (``_HEADER_HINTS``, in order); two equally clear candidates are an error."""
    text = _decode(data, name)
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if table is None:
        if column is not None:
            table = True
        elif name.lower().endswith((".csv", ".tsv")):
            single = len(next(csv.reader([first], delimiter=_delimiter(first)), [])) == 1
            table = not single or _hint_rank(first) is not None
        else:
            table = _looks_like_table(first)
    if not table:
        values = [line.strip() for line in lines if line.strip()]
        return pl.DataFrame({"input": values}, schema={"input": pl.String}), "input"
    try:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=_delimiter(first)) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise InputError(f"{name} is not a readable CSV/TSV file ({exc})") from None
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or any(h == "" for h in header):
        header = [h or f"column_{i + 1}" for i, h in enumerate(header)]
        header = [h if header.count(h) == 1 else f"{h}_{i + 1}" for i, h in enumerate(header)]
    body = [r + [""] * (len(header) - len(r)) for r in rows[1:]]
    if not body:
        raise InputError(f"{name} has a header but no rows")
    if any(len(r) > len(header) for r in body):
        raise InputError(f"{name}: a row has more cells than the header has columns")
    df = pl.DataFrame(body, schema={h: pl.String for h in header}, orient="row")
    if column is None and len(header) > 1 and (codes := _code_columns(df)):
        column = codes[0]  # codes say more than titles: a column of codes is preferred
    if column is None:
        ranks = {h: _hint_rank(h) for h in header}
        best = min((r for r in ranks.values() if r is not None), default=None)
        hits = [h for h, r in ranks.items() if r is not None and r == best]
        if len(header) == 1:
            column = header[0]
        elif len(hits) == 1:
            column = hits[0]
        else:
            which = f"{', '.join(hits)} all could" if hits else "none is named like one"
            raise InputError(f"{name}: which column holds the occupations ({which})? Use --column; "
                             f"columns: {', '.join(header)}")
    elif column not in header:
        raise InputError(f"{name}: no column {column!r}; columns: {', '.join(header)}")
    return df, column


def _code_columns(df: pl.DataFrame) -> list[str]:
    """Columns whose filled cells (the first 200) are nearly all codes of existing
    occupations, in order; only when exactly one such column exists (else the headers decide)."""
    from exposure.match import _code

    def known(v: str) -> bool:
        m = _code(v)
        return m is not None and m.status == "matched"

    found = []
    for c in df.columns:
        values = [v for v in df[c].head(200).to_list() if v and v.strip()]
        if values and sum(known(v) for v in values) >= 0.9 * len(values):
            found.append(c)
    return found if len(found) == 1 else []


def score_rows(rows: pl.DataFrame, column: str, taxonomy: str, occupations: pl.DataFrame,
               identity: pl.DataFrame | None = None, picks: dict[str, str] | None = None) -> pl.DataFrame:
    """The input rows with match columns and, for matched rows, the scores; ambiguous rows
    get the range of each main score across their candidates. ``picks`` (input -> code,
    from an edited review file) settle rows the matcher left open."""
    matches = resolve(rows[column].fill_null("").to_list(), taxonomy, picks=picks)
    scores = occupations.select(
        pl.col("taxonomy").alias("matched_taxonomy"),
        pl.col("occupation_code").alias("matched_code"),
        *SCORE_COLUMNS,
        *[c for c in BANDED_SHARES if c in occupations.columns],
    ).join(bands(occupations), on=["matched_taxonomy", "matched_code"], how="left")
    if identity is not None:
        scores = scores.join(identity, on=["matched_taxonomy", "matched_code"], how="left")
    clash = [c for c in [*MATCH_SCHEMA, *scores.columns] if c in rows.columns and c != column]
    if clash:
        raise InputError(f"the input already has a column named {clash[0]!r}; rename it")
    out = pl.concat([rows, matches], how="horizontal").with_row_index("__row")
    scored = out.join(scores, on=["matched_taxonomy", "matched_code"], how="left")
    keep = pl.col("match_status") == "matched"
    extra = [c for c in scores.columns if c not in ("matched_taxonomy", "matched_code")]
    scored = scored.with_columns([pl.when(keep).then(pl.col(c)).alias(c) for c in extra]).sort("__row").drop("__row")
    return scored.join(candidate_ranges(scored, occupations), on="match_candidates", how="left", maintain_order="left")


RANGED = ("offshorability", "routinizability", "place_boundness")


def candidate_ranges(scored: pl.DataFrame, occupations: pl.DataFrame) -> pl.DataFrame:
    """For each distinct candidate list of ambiguous rows: "lowest-highest" of each score in
    ``RANGED`` across the candidates."""
    lists = scored.filter(pl.col("match_status") == "ambiguous").select("match_candidates").drop_nulls().unique()
    tax = scored.filter(pl.col("match_status") == "ambiguous")["matched_taxonomy"].drop_nulls()
    schema = {"match_candidates": pl.String, **{f"{c}_range": pl.String for c in RANGED}}
    if lists.is_empty() or tax.is_empty():
        return pl.DataFrame(schema=schema)
    codes = lists.with_columns(code=pl.col("match_candidates").str.split("; ")).explode("code").with_columns(
        code=pl.col("code").str.extract(r"^(\S+)"))
    occ = occupations.filter(pl.col("taxonomy") == tax[0]).select(code="occupation_code", *RANGED)
    joined = codes.join(occ, on="code", how="inner")
    return joined.group_by("match_candidates").agg(
        [pl.format("{}-{}", pl.col(c).min().round(2), pl.col(c).max().round(2)).alias(f"{c}_range") for c in RANGED]
    ).select(list(schema))


def bands(occupations: pl.DataFrame) -> pl.DataFrame:
    """Each occupation's percentile (0-100, within its taxonomy) and band per construct:
    low below the 33.3rd percentile, high from the 66.7th (:data:`exposure.lookup.BANDS`)."""
    from exposure.lookup import BANDS
    from exposure.scoring.codebook import CONSTRUCTS
    from exposure.scoring.evaluate import percentiles

    out = occupations.select(matched_taxonomy="taxonomy", matched_code="occupation_code")
    for c in CONSTRUCTS:
        p = (percentiles(occupations, c)["percentile"] * 100).round(1)
        (low, _), (mid, _) = BANDS[0], BANDS[1]
        out = out.with_columns(p.alias(f"{c}_percentile")).with_columns(
            pl.when(pl.col(f"{c}_percentile") < low).then(pl.lit("low"))
            .when(pl.col(f"{c}_percentile") < mid).then(pl.lit("medium")).otherwise(pl.lit("high"))
            .alias(f"{c}_band"))
    return out


def identity_scores() -> pl.DataFrame:
    """identity_dissolution by (taxonomy, code): from the skill graph for O*NET and ESCO;
    an ISCO-08 unit group takes the mean over its ESCO occupations."""
    from exposure.graph import identity_table
    from exposure.graph.identity import identity_by_unit_group

    tables = {t: identity_table(t) for t in ("onet", "esco")}
    tables["isco08"] = identity_by_unit_group(tables["esco"])
    return pl.concat(
        [t.select(matched_taxonomy=pl.lit(tax), matched_code="occupation_code",
                  identity_dissolution=pl.col("identity_dissolution").round(4))
         for tax, t in tables.items()]
    ).sort("matched_taxonomy", "matched_code")

