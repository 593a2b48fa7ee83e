"""Headline counts of the canonical tables per release, for ``exposure data status`` and
``exposure build``. Each release's counts read only the table parts built from it."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from taxonomies import crosswalks
from taxonomies.registry import load
from taxonomies.sources import read

Counts = list[tuple[str, int]]


def _onet() -> Counts:
    tasks = load("tasks", only="onet")
    return [
        ("occupations", load("occupations", only="onet").height),
        ("occupations with tasks", tasks["occupation_code"].n_unique()),
        ("tasks", tasks.height),
        ("task-DWA links", load("task_activities").height),
        ("technology/tool commodities, skills, knowledge", load("skills", only="onet").height),
        ("occupation-skill links", load("occupation_skills", only="onet").height),
    ]


def _esco() -> Counts:
    skills = load("skills", only="esco")
    return [
        ("occupations", load("occupations", only="esco").height),
        ("skills", skills.height),
        ("occupation-skill relations", load("occupation_skills", only="esco").height),
        ("digital skills", skills.filter(pl.col("in_digital")).height),
    ]


def _isco08() -> Counts:
    tasks = load("tasks", only="isco08")
    return [
        ("unit groups", load("occupations", only="isco08").height),
        ("unit groups with tasks", tasks["occupation_code"].n_unique()),
        ("tasks", tasks.height),
    ]


def _method_count(method: str, part: str, **eq: str) -> int:
    df = load("crosswalk", only=part).filter(pl.col("method") == method)
    for col, value in eq.items():
        df = df.filter(pl.col(col) == value)
    return df.height


def _soc() -> Counts:
    return [
        ("O*NET-SOC 2019 -> SOC 2018 links", _method_count(crosswalks.ONET_TO_SOC2018, "soc")),
        ("SOC 2018 -> SOC 2010 links", _method_count(crosswalks.SOC2018_TO_SOC2010, "soc")),
        ("SOC 2010 -> ISCO-08 links", _method_count(crosswalks.SOC2010_TO_ISCO, "soc", from_taxonomy="soc2010")),
    ]


def _nesta() -> Counts:
    rows = read("crosswalks/esco_onet_crosswalk_Nov2020.csv").height
    linked = _method_count(crosswalks.NESTA, "esco")
    return [
        ("ESCO -> O*NET-SOC 2010 links", linked),
        ("rows whose ESCO URI is not in ESCO 1.2.0", rows - linked),
    ]


def _oews() -> Counts:
    us = load("employment_us")
    return [
        ("detailed occupations", us.filter(pl.col("o_group") == "detailed").height),
        ("employment, all occupations", int(us.filter(pl.col("o_group") == "total")["employment"].sum())),
    ]


def _ilostat() -> Counts:
    ilo = load("employment_ilostat")
    return [("countries", ilo["country"].n_unique()), ("rows", ilo.height)]


def _dingel_neiman() -> Counts:
    t = load("telework")
    return [("O*NET-SOC 2010 occupations", t.filter(pl.col("taxonomy") == "onet2010").height),
            ("BLS OES 2018 codes", t.filter(pl.col("taxonomy") == "oes2018").height)]


COUNTS: dict[str, Callable[[], Counts]] = {
    "onet": _onet,
    "esco": _esco,
    "isco08": _isco08,
    "soc_crosswalks": _soc,
    "nesta_crosswalk": _nesta,
    "oews": _oews,
    "ilostat": _ilostat,
    "dingel_neiman": _dingel_neiman,
}


def _history(release: str) -> Callable[[], Counts]:
    from taxonomies.onet_history import WITH_DWAS, WITH_TECHNOLOGY

    def counts() -> Counts:
        tasks = load("history_tasks", only=release)
        codes = load("history_codes", only=release)
        out = [
            ("occupations", load("history_occupations", only=release).height),
            ("task statements", tasks.height),
            ("occupations with tasks", tasks["occupation_code"].n_unique()),
            ("codes reaching O*NET-SOC 2019", codes["occupation_code"].n_unique()),
        ]
        if release in WITH_DWAS:
            out.append(("task-DWA links", load("history_task_activities", only=release).height))
        if release in WITH_TECHNOLOGY:
            out.append(("technology/tool links", load("history_technology", only=release).height))
        return out

    return counts


def _crosswalk_2009() -> Counts:
    return [("O*NET-SOC 2009 -> 2010 links", read("crosswalks/onetsoc2009_to_onetsoc2010.csv").height)]


def _history_counts() -> dict[str, Callable[[], Counts]]:
    from taxonomies.onet_history import RELEASES

    out = {name: _history(label) for label, (name, _, _) in RELEASES.items() if name != "onet"}
    out["onetsoc2009_crosswalk"] = _crosswalk_2009
    return out


COUNTS.update(_history_counts())
# the releases the coverage figures read
COVERAGE_RELEASES = ("onet", "esco", "isco08", "soc_crosswalks", "nesta_crosswalk")


def release_counts(names: list[str]) -> dict[str, Counts]:
    """What each named release contributes, as (label, count) pairs."""
    return {name: COUNTS[name]() for name in names}


def coverage() -> pl.DataFrame:
    return crosswalks.coverage(load("crosswalk"), load("occupations"))
