"""How well titles are matched: the matcher run over a hand-written evaluation set.

The set (``exposure/matching/match_eval.csv``, provenance in its README) lists job titles
as people type them with every acceptable O*NET-SOC and ISCO-08 code. :func:`evaluate`
resolves each title in a taxonomy and reports, per split:

- ``confidently_wrong``: share of all rows matched to a code not in the row's list;
- ``right_at_top1``: share of matched rows whose code is in the list;
- ``flagged``: share of rows left ambiguous or unmatched.

An ESCO match is right when its ISCO-08 unit group is in the row's ISCO-08 list.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.match import resolve

EVAL_SET = Path(__file__).parent / "matching" / "match_eval.csv"
TARGETS = {"confidently_wrong": ("<=", 0.02), "right_at_top1": (">=", 0.85), "flagged": ("<=", 0.15)}


def eval_set(path: Path = EVAL_SET) -> pl.DataFrame:
    return pl.read_csv(path, schema_overrides={"onet_codes": pl.String, "isco08_codes": pl.String})


def judged(taxonomy: str, path: Path = EVAL_SET) -> pl.DataFrame:
    """Each evaluation row with the matcher's answer and whether it is right."""
    rows = eval_set(path)
    matches = resolve(rows["title"].to_list(), taxonomy)
    right_col = "onet_codes" if taxonomy == "onet" else "isco08_codes"
    df = pl.concat([rows, matches], how="horizontal")
    code = pl.col("matched_code").fill_null("")
    if taxonomy == "esco":
        code = code.str.slice(0, 4)
    return df.with_columns(
        right=pl.col(right_col).str.split(" ").list.contains(code) & pl.col("matched_code").is_not_null()
    )


def summary(df: pl.DataFrame) -> pl.DataFrame:
    """The three figures per split (and overall), from :func:`judged` rows."""
    parts = [df.with_columns(split=pl.lit("all")), df]
    return (
        pl.concat(parts)
        .group_by("split")
        .agg(
            rows=pl.len(),
            matched=(pl.col("match_status") == "matched").sum(),
            confidently_wrong=((pl.col("match_status") == "matched") & ~pl.col("right")).mean(),
            right_at_top1=pl.col("right").filter(pl.col("match_status") == "matched").mean(),
            flagged=(pl.col("match_status") != "matched").mean(),
        )
        .sort(pl.col("split").replace_strict({"dev": 0, "test": 1, "all": 2}, return_dtype=pl.Int8))
    )


def evaluate(taxonomies: tuple[str, ...] = ("onet", "isco08"), path: Path = EVAL_SET) -> pl.DataFrame:
    """The figures per taxonomy and split, with whether each meets its target."""
    out = []
    for tax in taxonomies:
        s = summary(judged(tax, path)).with_columns(taxonomy=pl.lit(tax))
        out.append(s)
    df = pl.concat(out).select("taxonomy", pl.exclude("taxonomy"))
    checks = [
        (pl.col(k) <= v) if op == "<=" else (pl.col(k) >= v) for k, (op, v) in TARGETS.items()
    ]
    return df.with_columns(meets_targets=pl.all_horizontal(checks)).with_columns(
        pl.col(k).round(4) for k in TARGETS
    )
