"""Headline counts of the canonical tables per release, for ``exposure data status`` and
``exposure build``."""

from __future__ import annotations

import polars as pl

from taxonomies import crosswalks
from taxonomies.registry import load


def _n(df: pl.DataFrame, **eq: str) -> int:
    for col, value in eq.items():
        df = df.filter(pl.col(col) == value)
    return df.height


def release_counts() -> dict[str, list[tuple[str, int]]]:
    """What each release contributes, as (label, count) pairs."""
    occ, tasks = load("occupations"), load("tasks")
    skills, rel = load("skills"), load("occupation_skills")
    cw = load("crosswalk")
    return {
        "onet": [
            ("occupations", _n(occ, taxonomy="onet")),
            ("occupations with tasks", tasks.filter(pl.col("taxonomy") == "onet")["occupation_code"].n_unique()),
            ("tasks", _n(tasks, taxonomy="onet")),
            ("task-DWA links", load("task_activities").height),
            ("technology/tool commodities, skills, knowledge", _n(skills, taxonomy="onet")),
            ("occupation-skill links", _n(rel, taxonomy="onet")),
        ],
        "esco": [
            ("occupations", _n(occ, taxonomy="esco")),
            ("skills", _n(skills, taxonomy="esco")),
            ("occupation-skill relations", _n(rel, taxonomy="esco")),
            ("digital skills", skills.filter(pl.col("in_digital").fill_null(False)).height),
        ],
        "isco08": [
            ("unit groups", _n(occ, taxonomy="isco08")),
            ("unit groups with tasks", tasks.filter(pl.col("taxonomy") == "isco08")["occupation_code"].n_unique()),
            ("tasks", _n(tasks, taxonomy="isco08")),
        ],
        "soc_crosswalks": [
            ("O*NET-SOC 2019 -> SOC 2018 links", _n(cw, method=crosswalks.ONET_TO_SOC2018)),
            ("SOC 2018 -> SOC 2010 links", _n(cw, method=crosswalks.SOC2018_TO_SOC2010)),
            ("SOC 2010 -> ISCO-08 links", _n(cw, method=crosswalks.SOC2010_TO_ISCO, from_taxonomy="soc2010")),
        ],
        "nesta_crosswalk": [
            ("ESCO -> O*NET-SOC 2010 links", _n(cw, method=crosswalks.NESTA)),
        ],
        "oews": [
            ("detailed occupations", _n(load("employment_us"), o_group="detailed")),
            ("employment, all occupations", int(load("employment_us").filter(pl.col("o_group") == "total")["employment"].sum())),
        ],
        "ilostat": [
            ("countries", load("employment_ilostat")["country"].n_unique()),
            ("rows", load("employment_ilostat").height),
        ],
    }


def coverage() -> pl.DataFrame:
    return crosswalks.coverage(load("crosswalk"), load("occupations"))
