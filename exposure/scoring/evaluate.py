"""Validation: the text model against the codebook, ISCO-08 native against the O*NET
crosswalk, and named sanity checks on real occupations.

The sanity checks are data (``sanity_checks.csv`` beside this module): an occupation, a
construct and where it should rank among the scored occupations of its taxonomy
(``top_quartile``, ``top_half``, ``bottom_half``, ``bottom_quartile``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.errors import DataError

CHECKS = Path(__file__).with_name("sanity_checks.csv")
_RANGES = {
    "top_quartile": (0.75, 1.0),
    "top_half": (0.5, 1.0),
    "bottom_half": (0.0, 0.5),
    "bottom_quartile": (0.0, 0.25),
}


def percentiles(occupations: pl.DataFrame, construct: str) -> pl.DataFrame:
    """Each occupation's percentile rank (0-1) on a construct within its taxonomy."""
    return occupations.select(
        "taxonomy",
        "occupation_code",
        pl.col(construct).alias("value"),
        ((pl.col(construct).rank("average").over("taxonomy") - 0.5) / pl.len().over("taxonomy")).alias("percentile"),
    )


def sanity_checks(occupations: pl.DataFrame, path: Path = CHECKS) -> pl.DataFrame:
    """One row per check: the occupation's value, its percentile and whether it passed."""
    checks = pl.read_csv(path, schema={c: pl.String for c in ("name", "taxonomy", "occupation_code", "construct", "expect")})
    unknown = set(checks["expect"]) - set(_RANGES)
    if unknown:
        raise DataError(f"{path.name}: unknown expectation {sorted(unknown)[0]!r}; use one of {', '.join(_RANGES)}")
    rows = []
    for check in checks.iter_rows(named=True):
        ranked = percentiles(occupations.filter(pl.col(check["construct"]).is_not_null()), check["construct"])
        hit = ranked.filter(
            (pl.col("taxonomy") == check["taxonomy"]) & (pl.col("occupation_code") == check["occupation_code"])
        )
        if hit.is_empty():
            raise DataError(f"{path.name}: {check['taxonomy']} {check['occupation_code']} has no score")
        value, pct = hit.row(0)[2:]
        lo, hi = _RANGES[check["expect"]]
        title = occupations.filter(
            (pl.col("taxonomy") == check["taxonomy"]) & (pl.col("occupation_code") == check["occupation_code"])
        )["title"].item()
        rows.append({**check, "title": title, "value": value, "percentile": pct, "passed": lo <= pct <= hi})
    return pl.DataFrame(rows)
