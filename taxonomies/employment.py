"""Employment weights: BLS OEWS national (US, SOC 2018) and ILOSTAT (ISCO-08 2-digit).

OEWS special values: ``*``/``**`` (not available) become null; ``#`` (wage at or above
the top code) becomes null with ``wage_top_coded`` set. Fourteen SOC codes appear both as
a broad and a detailed group; the detailed row is kept.

ILOSTAT gives some country-years from several surveys: all are kept, with ``source``;
:func:`ilostat_country_year` picks one per country and year.
"""

from __future__ import annotations

import polars as pl

from taxonomies.sources import read

OEWS_FILE = "employment/national_M2024_dl.xlsx"
OEWS_RELEASE = "May 2024"
ILOSTAT_FILE = "employment/ilostat-2020-04-10.csv.zip"
_GROUP_ORDER = {"detailed": 0, "broad": 1, "minor": 2, "major": 3, "total": 4}


def _number(col: str) -> pl.Expr:
    return pl.col(col).str.replace_all(",", "").cast(pl.Float64, strict=False)


def oews() -> pl.DataFrame:
    df = read(OEWS_FILE)
    wages = ["A_MEAN", "A_MEDIAN", "H_MEAN"]
    return (
        df.with_columns(rank=pl.col("O_GROUP").replace_strict(_GROUP_ORDER, return_dtype=pl.Int8))
        .sort("OCC_CODE", "rank")
        .unique("OCC_CODE", keep="first", maintain_order=True)
        .select(
            soc_code=pl.col("OCC_CODE"),
            title=pl.col("OCC_TITLE"),
            o_group=pl.col("O_GROUP"),
            employment=_number("TOT_EMP").cast(pl.Int64),
            employment_rse=_number("EMP_PRSE"),
            annual_mean_wage=_number("A_MEAN"),
            annual_median_wage=_number("A_MEDIAN"),
            hourly_mean_wage=_number("H_MEAN"),
            wage_top_coded=pl.any_horizontal([pl.col(c) == "#" for c in wages]),
            release=pl.lit(OEWS_RELEASE),
        )
    )


def ilostat() -> pl.DataFrame:
    df = read(ILOSTAT_FILE).filter(pl.col("sex") == "SEX_T")
    return df.select(
        country=pl.col("ref_area"),
        country_name=pl.col("ref_area.label"),
        source=pl.col("source"),
        source_label=pl.col("source.label"),
        year=pl.col("time").cast(pl.Int64),
        isco08_2digit=pl.col("classif1").str.strip_prefix("OC2_ISCO08_"),
        employment_thousands=pl.col("obs_value").cast(pl.Float64),
    )


def ilostat_country_year(table: pl.DataFrame, country: str, year: int) -> pl.DataFrame:
    """Employment by ISCO-08 2-digit for one country and year, from one survey: a labour
    force survey if there is one, else the survey covering most employment."""
    rows = table.filter((pl.col("country") == country) & (pl.col("year") == year))
    if rows.is_empty():
        return rows
    totals = (
        rows.filter(pl.col("isco08_2digit") == "TOTAL")
        .select("source", "source_label", "employment_thousands")
        .with_columns(is_lfs=pl.col("source_label").str.contains(" LFS "))
        .sort(["is_lfs", "employment_thousands", "source"], descending=[True, True, False])
    )
    best = totals["source"][0] if totals.height else rows["source"].sort()[0]
    return rows.filter(pl.col("source") == best).sort("isco08_2digit")
