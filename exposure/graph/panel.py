"""The identity face-validity panel: named occupations and where their identity dissolution
into e-skills should rank.

The panel is data (``data/identity_panel.csv`` beside this module), written from the
literature before any result of the measure was looked at: per row an occupation (O*NET or
ISCO-08), the expected position of its ``identity_dissolution`` among the occupations of its
taxonomy (``top_quartile``, ``top_half``, ``bottom_half``, ``bottom_quartile``, as in
:mod:`exposure.scoring.evaluate`) and the source. A failing check is reported, not tuned
away; the checks that fail are listed in docs/graph.md and pinned by the tests.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.errors import DataError
from exposure.scoring.evaluate import _RANGES, percentiles

PANEL = Path(__file__).with_name("data") / "identity_panel.csv"
MEASURE = "identity_dissolution"


def read_panel(path: Path = PANEL) -> pl.DataFrame:
    schema = {c: pl.String for c in ("name", "taxonomy", "occupation_code", "title", "expect", "source")}
    try:
        panel = pl.read_csv(path, schema=schema)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataError(f"{path.name}: cannot read ({exc})") from None
    unknown = set(panel["expect"]) - set(_RANGES)
    if unknown:
        raise DataError(f"{path.name}: unknown expectation {sorted(unknown)[0]!r}; use one of {', '.join(_RANGES)}")
    return panel


def identity_frames() -> pl.DataFrame:
    """identity_dissolution of every O*NET occupation and ISCO-08 unit group (the latter
    averaged from ESCO, :func:`exposure.graph.identity.identity_by_unit_group`)."""
    from exposure.graph.api import identity_table
    from exposure.graph.identity import identity_by_unit_group

    onet = identity_table("onet").select("occupation_code", MEASURE).with_columns(taxonomy=pl.lit("onet"))
    isco = identity_by_unit_group(identity_table("esco")).select("occupation_code", MEASURE).with_columns(
        taxonomy=pl.lit("isco08"))
    return pl.concat([onet, isco], how="diagonal_relaxed")


def check_panel(identity: pl.DataFrame | None = None, path: Path = PANEL) -> pl.DataFrame:
    """One row per panel check: name, taxonomy, occupation_code, title, expect, value,
    percentile (0-1 within the taxonomy), passed."""
    panel = read_panel(path)
    identity = identity_frames() if identity is None else identity
    ranked = percentiles(identity.filter(pl.col(MEASURE).is_not_null()), MEASURE)
    out = panel.join(ranked, on=["taxonomy", "occupation_code"], how="left")
    missing = out.filter(pl.col("value").is_null())
    if missing.height:
        raise DataError(f"{path.name}: {missing['taxonomy'][0]} {missing['occupation_code'][0]} has no {MEASURE}")
    lo = pl.col("expect").replace_strict({k: v[0] for k, v in _RANGES.items()}, return_dtype=pl.Float64)
    hi = pl.col("expect").replace_strict({k: v[1] for k, v in _RANGES.items()}, return_dtype=pl.Float64)
    return out.select("name", "taxonomy", "occupation_code", "title", "expect", "value", "percentile",
                      passed=(pl.col("percentile") >= lo) & (pl.col("percentile") <= hi))
