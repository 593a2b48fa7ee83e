"""Employment and wage weights: how many workers (and what US wage) each scored occupation
stands for, from BLS OEWS (United States) or ILOSTAT (one country and year).

Every function returns a frame keyed by ``occupation_code`` with ``employment`` (persons)
and ``annual_wage`` (US dollars, OEWS May 2024 annual mean; null when OEWS has none).

- **OEWS, O*NET.** :func:`exposure.scoring.occupations.onet_employment`: the employment
  and annual mean wage of its SOC 2018 code (detailed, else what its broad group has
  beyond the detailed codes other O*NET occupations take).
- **OEWS, ISCO-08.** A unit group takes the employment its O*NET occupations bring through
  the crosswalk chain O*NET -> SOC 2018 -> SOC 2010 -> ISCO-08 (employment x crosswalk
  weight), and their employment-weighted mean wage.
- **ILOSTAT.** Employment by ISCO-08 sub-major group (2-digit) for one country and year
  (one survey, :func:`taxonomies.employment.ilostat_country_year`) is distributed to the
  unit groups of each sub-major group in proportion to the US employment the crosswalk
  gives them (the OEWS, ISCO-08 weights above), equally where the sub-major group has no
  US employment. For O*NET, each unit group's employment is then split among the O*NET
  occupations linked to it in proportion to their US employment x crosswalk weight.
  Employment "not classified" (ILOSTAT ``X``) is left out and reported. ILOSTAT has no
  wages, and US wages are not another country's: ``annual_wage`` is null.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from exposure.errors import DataError, InputError
from exposure.scoring.occupations import onet_employment
from taxonomies import crosswalks
from taxonomies.employment import ilostat_country_year

_TWO_DIGIT = r"^\d\d$"


@dataclass(frozen=True)
class Weights:
    """Employment weights for one taxonomy from one source."""

    frame: pl.DataFrame  # occupation_code, employment, annual_wage
    source: str  # oews | ilostat
    label: str  # human-readable source, e.g. "ILOSTAT, Germany 2018 (DEU - LFS - EU Labour Force Survey)"
    country: str | None = None
    country_name: str | None = None
    year: int | None = None
    survey: str | None = None
    unclassified_share: float = 0.0  # share of employment not classified by occupation (ILOSTAT X)


def onet_units(onet_codes: pl.Series, oews: pl.DataFrame) -> pl.DataFrame:
    """The OEWS code whose employment each O*NET occupation takes (``unit``, with its OEWS
    title ``unit_title``): the SOC 2018 detailed code where OEWS has it, else the broad
    group, as in :func:`exposure.scoring.occupations.onet_employment`. O*NET occupations
    sharing a unit share its employment equally: the split is an assumption, so the
    report shows employment per unit, not per O*NET occupation."""
    known = oews.filter(pl.col("employment").is_not_null())
    titles = dict(known.select("soc_code", "title").iter_rows())
    df = pl.DataFrame({"occupation_code": onet_codes}).with_columns(
        soc=pl.col("occupation_code").str.slice(0, 7), broad=pl.col("occupation_code").str.slice(0, 6) + "0",
    )
    return df.select(
        "occupation_code",
        unit=pl.when(pl.col("soc").is_in(sorted(titles))).then(pl.col("soc"))
        .when(pl.col("broad").is_in(sorted(titles))).then(pl.col("broad")).otherwise(None),
    ).with_columns(unit_title=pl.col("unit").replace_strict(titles, default=None, return_dtype=pl.String))


def onet_isco_links(onet_us: pl.DataFrame, crosswalk: pl.DataFrame) -> pl.DataFrame:
    """O*NET -> ISCO-08 links with the US employment each brings: onet, isco, cw, w, annual_wage."""
    links = crosswalk.filter(pl.col("method") == crosswalks.ONET_TO_ISCO).select(
        onet="from_code", isco="to_code", cw="weight"
    )
    return (
        links.join(onet_us.rename({"occupation_code": "onet"}), on="onet", how="inner")
        .with_columns(w=pl.col("cw") * pl.col("employment"))
        .sort("isco", "onet")
    )


def isco_oews(links: pl.DataFrame, isco_codes: pl.Series) -> pl.DataFrame:
    """Employment and employment-weighted mean wage per ISCO-08 unit group, from OEWS."""
    paid = pl.col("annual_wage").is_not_null()
    agg = links.group_by("isco").agg(
        employment=pl.col("w").sum(),
        annual_wage=(pl.col("w") * pl.col("annual_wage")).filter(paid).sum()
        / pl.col("w").filter(paid).sum(),
    )
    out = pl.DataFrame({"occupation_code": isco_codes}).join(
        agg.rename({"isco": "occupation_code"}), on="occupation_code", how="left"
    )
    return out.with_columns(
        pl.col("employment").fill_null(0.0),
        annual_wage=pl.when(pl.col("annual_wage").is_nan()).then(None).otherwise(pl.col("annual_wage")),
    )


def ilostat_years(table: pl.DataFrame, country: str) -> list[int]:
    """Years for which ILOSTAT gives ``country``'s employment by ISCO-08 2-digit group."""
    rows = table.filter(pl.col("country") == country)
    years = []
    for year in sorted(set(rows["year"])):
        chosen = ilostat_country_year(rows, country, year)
        if chosen.filter(pl.col("isco08_2digit").str.contains(_TWO_DIGIT)).height:
            years.append(year)
    return years


def check_country_year(table: pl.DataFrame, country: str, year: int | None) -> int:
    """The year to use for ``country`` (the latest available when ``year`` is None);
    InputError naming what exists when the country or year has no ISCO-08 data."""
    if not isinstance(country, str) or not country.strip():
        raise InputError("employment source ilostat needs a country (ISO 3166 alpha-3 code, e.g. DEU)")
    if country not in set(table["country"]):
        raise InputError(
            f"unknown ILOSTAT country {country!r}; use an ISO 3166 alpha-3 code such as DEU, FRA or USA"
        )
    years = ilostat_years(table, country)
    if not years:
        raise InputError(f"ILOSTAT has no employment by ISCO-08 2-digit group for {country} (ISCO-88 only)")
    if year is None:
        return years[-1]
    if year not in years:
        raise InputError(
            f"no ILOSTAT ISCO-08 employment for {country} in {year}; years available: "
            + ", ".join(map(str, years))
        )
    return year


def ilostat_unit_groups(table: pl.DataFrame, country: str, year: int, us_isco: pl.DataFrame
                        ) -> tuple[pl.DataFrame, dict]:
    """ISCO-08 unit-group employment (persons) for one country-year: 2-digit employment
    spread over unit groups by their US (OEWS via crosswalk) employment, equally where
    the sub-major group has none. Returns the frame and facts about the survey."""
    rows = ilostat_country_year(table, country, year)
    groups = rows.filter(pl.col("isco08_2digit").str.contains(_TWO_DIGIT)).select(
        group="isco08_2digit", persons=pl.col("employment_thousands").fill_null(0.0) * 1000
    )
    if groups.is_empty():
        raise InputError(f"no ILOSTAT ISCO-08 employment for {country} in {year}")
    unclassified = rows.filter(pl.col("isco08_2digit") == "X")["employment_thousands"].sum() * 1000
    units = us_isco.select(
        "occupation_code", us="employment", group=pl.col("occupation_code").str.slice(0, 2)
    )
    df = units.join(groups, on="group", how="inner").with_columns(
        share=pl.when(pl.col("us").sum().over("group") > 0)
        .then(pl.col("us") / pl.col("us").sum().over("group"))
        .otherwise(1.0 / pl.len().over("group"))
    )
    lost = set(groups["group"]) - set(units["group"])
    if lost:
        raise DataError(f"ILOSTAT group(s) {', '.join(sorted(lost))} have no ISCO-08 unit group")
    out = df.select("occupation_code", employment=pl.col("persons") * pl.col("share"))
    out = us_isco.select("occupation_code").join(out, on="occupation_code", how="left").with_columns(
        pl.col("employment").fill_null(0.0)
    )
    classified = float(groups["persons"].sum())
    facts = {
        "country_name": rows["country_name"][0],
        "survey": rows["source_label"][0],
        "unclassified_share": float(unclassified) / (classified + float(unclassified))
        if classified + unclassified > 0 else 0.0,
    }
    return out, facts


def onet_from_isco(isco_emp: pl.DataFrame, links: pl.DataFrame, onet_codes: pl.Series) -> pl.DataFrame:
    """Unit-group employment split among O*NET occupations by US employment x crosswalk
    weight (by crosswalk weight alone where the unit group has no US employment)."""
    df = links.join(isco_emp.rename({"occupation_code": "isco", "employment": "unit"}), on="isco", how="inner")
    df = df.with_columns(
        share=pl.when(pl.col("w").sum().over("isco") > 0)
        .then(pl.col("w") / pl.col("w").sum().over("isco"))
        .otherwise(pl.col("cw") / pl.col("cw").sum().over("isco"))
    )
    emp = df.group_by("onet").agg(employment=(pl.col("unit") * pl.col("share")).sum())
    return pl.DataFrame({"occupation_code": onet_codes}).join(
        emp.rename({"onet": "occupation_code"}), on="occupation_code", how="left"
    ).with_columns(pl.col("employment").fill_null(0.0))


def weights(taxonomy: str, source: str, codes: dict[str, pl.Series], oews: pl.DataFrame,
            crosswalk: pl.DataFrame, ilostat: pl.DataFrame | None = None,
            country: str | None = None, year: int | None = None) -> Weights:
    """Employment weights of ``taxonomy`` (onet | isco08) from ``source`` (oews | ilostat).

    ``codes`` gives the scored occupation codes of both taxonomies (``onet``, ``isco08``):
    ILOSTAT is always spread through the ISCO-08 unit groups, O*NET through the crosswalk.
    """
    onet_us = onet_employment(codes["onet"], oews)
    links = onet_isco_links(onet_us, crosswalk)
    us_isco = isco_oews(links, codes["isco08"])
    if source == "oews":
        frame = onet_us.join(onet_units(codes["onet"], oews), on="occupation_code", how="left") \
            if taxonomy == "onet" else us_isco
        return Weights(frame.sort("occupation_code"), "oews",
                       "BLS OEWS May 2024, United States", country="USA",
                       country_name="United States", year=2024)
    year = check_country_year(ilostat, country, year)
    isco_emp, facts = ilostat_unit_groups(ilostat, country, year, us_isco)
    # ILOSTAT has no wages, and another country's wages are not these workers' wages
    frame = isco_emp if taxonomy == "isco08" else onet_from_isco(isco_emp, links, codes["onet"])
    frame = frame.with_columns(annual_wage=pl.lit(None, pl.Float64))
    label = f"ILOSTAT, {facts['country_name']} {year} ({facts['survey']})"
    return Weights(frame.sort("occupation_code"), "ilostat", label, country=country,
                   country_name=facts["country_name"], year=year, survey=facts["survey"],
                   unclassified_share=facts["unclassified_share"])
