"""O*NET 29.2: occupations, task statements, work-activity links and skills.

Codes are O*NET-SOC 2019 (``15-1252.00``). Task IDs are O*NET's own numbers, as text.
Parents of an occupation are its SOC 2018 detailed, broad, minor and major groups,
derived from the code itself (``11-3121`` -> ``11-3120`` -> ``11-3000`` -> ``11-0000``; three
minor groups have the form ``xx-xx00``, e.g. ``15-1252`` -> ``15-1250`` -> ``15-1200``).
Job Zones (1-5) are the skill level; 93 occupations (mostly "All Other" residuals) have none.
"""

from __future__ import annotations

import polars as pl

from taxonomies.sources import read

TAXONOMY = "onet"
ONET = "onet/"


# SOC 2018 minor groups are xx-x000, except these three of the form xx-xx00
_MINOR_XX00 = ("15-12", "31-11", "51-51")


def soc_parents(code: pl.Expr) -> pl.Expr:
    """SOC 2018 detailed, broad, minor and major group of an O*NET-SOC code."""
    detailed = code.str.slice(0, 7)
    minor = (
        pl.when(code.str.slice(0, 5).is_in(_MINOR_XX00))
        .then(code.str.slice(0, 5) + "00")
        .otherwise(code.str.slice(0, 4) + "000")
    )
    return pl.concat_list(detailed, code.str.slice(0, 6) + "0", minor, code.str.slice(0, 3) + "0000")


def _titles_by_code() -> pl.DataFrame:
    alt = read(ONET + "Alternate Titles.txt").select(
        pl.col("O*NET-SOC Code").alias("occupation_code"), pl.col("Alternate Title").alias("t")
    )
    reported = read(ONET + "Sample of Reported Titles.txt").select(
        pl.col("O*NET-SOC Code").alias("occupation_code"), pl.col("Reported Job Title").alias("t")
    )
    return (
        pl.concat([alt, reported])
        .filter(pl.col("t").is_not_null())
        .group_by("occupation_code")
        .agg(pl.col("t").unique().sort().alias("alternate_titles"))
    )


def occupations() -> pl.DataFrame:
    occ = read(ONET + "Occupation Data.txt").select(
        pl.col("O*NET-SOC Code").alias("occupation_code"),
        pl.col("Title").alias("title"),
        pl.col("Description").alias("description"),
    )
    zones = read(ONET + "Job Zones.txt").select(
        pl.col("O*NET-SOC Code").alias("occupation_code"),
        pl.col("Job Zone").cast(pl.Int8).alias("skill_level"),
    )
    return (
        occ.join(zones, on="occupation_code", how="left")
        .join(_titles_by_code(), on="occupation_code", how="left")
        .with_columns(
            taxonomy=pl.lit(TAXONOMY),
            parent_codes=soc_parents(pl.col("occupation_code")),
            alternate_titles=pl.col("alternate_titles").fill_null(pl.lit([], pl.List(pl.String))),
        )
    )


def task_weight(task_type: str = "Task Type") -> pl.Expr:
    """A task's weight in its occupation: 2 for a Core task, 1 for a Supplemental one (or none)."""
    return pl.when(pl.col(task_type) == "Core").then(2.0).otherwise(1.0)


def tasks() -> pl.DataFrame:
    return read(ONET + "Task Statements.txt").select(
        taxonomy=pl.lit(TAXONOMY),
        task_id=pl.col("Task ID"),
        occupation_code=pl.col("O*NET-SOC Code"),
        task_text=pl.col("Task").str.strip_chars(),
        task_type=pl.col("Task Type"),
        weight=task_weight(),
    )


def task_activities() -> pl.DataFrame:
    links = read(ONET + "Tasks to DWAs.txt").select(
        occupation_code=pl.col("O*NET-SOC Code"), task_id=pl.col("Task ID"), dwa_id=pl.col("DWA ID")
    )
    dwa = read(ONET + "DWA Reference.txt").select(
        dwa_id=pl.col("DWA ID"), dwa_title=pl.col("DWA Title"), iwa_id=pl.col("IWA ID"),
        gwa_id=pl.col("Element ID"),
    )
    iwa = read(ONET + "IWA Reference.txt").select(
        iwa_id=pl.col("IWA ID"), iwa_title=pl.col("IWA Title")
    )
    gwa = read(ONET + "Content Model Reference.txt").select(
        gwa_id=pl.col("Element ID"), gwa_title=pl.col("Element Name")
    )
    return (
        links.join(dwa, on="dwa_id", how="left")
        .join(iwa, on="iwa_id", how="left")
        .join(gwa, on="gwa_id", how="left")
        .with_columns(taxonomy=pl.lit(TAXONOMY))
    )


def _commodity_links(path: str, kind: str) -> pl.DataFrame:
    """Technology Skills / Tools Used: one row per (occupation, commodity), examples kept."""
    df = read(ONET + path)
    flags = []
    if kind == "technology":
        flags = [
            (pl.col("Hot Technology") == "Y").any().alias("hot_technology"),
            (pl.col("In Demand") == "Y").any().alias("in_demand"),
        ]
    return (
        df.group_by("O*NET-SOC Code", "Commodity Code")
        .agg(
            pl.col("Commodity Title").first().alias("label"),
            pl.col("Example").unique().sort().alias("examples"),
            *flags,
        )
        .select(
            occupation_code=pl.col("O*NET-SOC Code"),
            skill_id=pl.lit(f"{kind}:") + pl.col("Commodity Code"),
            unspsc_code=pl.col("Commodity Code"),
            label=pl.col("label"),
            examples=pl.col("examples"),
            relation=pl.lit(kind),
            skill_type=pl.lit(kind),
            weight=pl.lit(1.0),
            *[pl.col(f.meta.output_name()) for f in flags],
        )
    )


def _ratings(path: str, kind: str) -> pl.DataFrame:
    """Skills / Knowledge ratings: importance (IM) and level (LV) side by side."""
    df = read(ONET + path).with_columns(pl.col("Data Value").cast(pl.Float64))
    wide = (
        df.group_by("O*NET-SOC Code", "Element ID")
        .agg(
            pl.col("Element Name").first().alias("label"),
            pl.col("Data Value").filter(pl.col("Scale ID") == "IM").first().alias("importance"),
            pl.col("Data Value")
            .filter((pl.col("Scale ID") == "LV") & (pl.col("Not Relevant") != "Y"))
            .first()
            .alias("level"),
        )
    )
    return wide.select(
        occupation_code=pl.col("O*NET-SOC Code"),
        skill_id=pl.col("Element ID"),
        label=pl.col("label"),
        relation=pl.lit("rating"),
        skill_type=pl.lit(kind),
        importance=pl.col("importance"),
        level=pl.col("level"),
        weight=((pl.col("importance") - 1.0) / 4.0).clip(0.0, 1.0),
    )


def _all_links() -> pl.DataFrame:
    return pl.concat(
        [
            _commodity_links("Technology Skills.txt", "technology"),
            _commodity_links("Tools Used.txt", "tool"),
            _ratings("Skills.xlsx", "skill"),
            _ratings("Knowledge.xlsx", "knowledge"),
        ],
        how="diagonal_relaxed",
    ).with_columns(taxonomy=pl.lit(TAXONOMY))


def skills() -> pl.DataFrame:
    links = _all_links()
    return links.group_by("skill_id").agg(
        pl.col("taxonomy").first(),
        pl.col("label").first(),
        pl.col("skill_type").first(),
        pl.col("unspsc_code").first(),
        pl.col("hot_technology").any(),
        pl.col("in_demand").any(),
        pl.col("examples").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().str.join("; ").alias("examples_text"),
    ).with_columns(
        text=pl.when(pl.col("examples_text") != "")
        .then(pl.col("label") + ": " + pl.col("examples_text"))
        .otherwise(pl.col("label")),
        hot_technology=pl.when(pl.col("skill_type") == "technology").then(pl.col("hot_technology")),
        in_demand=pl.when(pl.col("skill_type") == "technology").then(pl.col("in_demand")),
    )


def occupation_skills() -> pl.DataFrame:
    return _all_links()


def reported_titles() -> pl.DataFrame:
    """O*NET's sample of job titles reported by incumbents (the titles My Next Move shows),
    as (occupation_code, title): stronger evidence for a title than the alternate-title list."""
    return read(ONET + "Sample of Reported Titles.txt").select(
        occupation_code=pl.col("O*NET-SOC Code"), title=pl.col("Reported Job Title")
    ).drop_nulls()
