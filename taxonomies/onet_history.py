"""Earlier O*NET releases (13.0 to 25.1) beside 29.2: tasks, work-activity links, technology.

One table part per release, each row tagged with its ``release`` ("13.0" ... "25.1", and
"29.2" read from the current O*NET release), codes as published. :func:`codes` maps each
release's codes to O*NET-SOC 2019 (the codes of 29.2):

- 13.0 uses O*NET-SOC 2006 codes, a subset of the 2009 codes; 14.0 and 15.0 use O*NET-SOC
  2009: both go 2009 -> 2010 (O*NET's "Crosswalk 2009 to 2010" listing) -> 2019;
- 16.0 to 24.1 use O*NET-SOC 2010 (16.0 already has its 1,110 codes, not 2009 as the
  copy's SOURCE.md says): 2010 -> 2019 (``2010_to_2019_Crosswalk.csv``);
- 25.1 uses O*NET-SOC 2019, as 29.2.

``mapping`` says how a code reaches its 2019 code: ``same code``, ``recoded`` (one to one,
another code), ``split`` (the old occupation became several 2019 occupations, each of which
inherits its whole task list) or ``merged`` (several old occupations became one; the 2019
occupation's task list in that release is the union of theirs). A code is ``split`` and
``merged`` at once when both hold.

Dates (``Date``: month/year the task data were collected) are kept as ``YYYY-MM`` so they
sort. Files are read as UTF-8, falling back to Windows-1252 (older releases are published
in it; the 13 copies pinned here hold only ASCII).
"""

from __future__ import annotations

from functools import partial

import polars as pl

from taxonomies.onet import task_weight
from taxonomies.sources import read

# release label -> (release name in releases.toml, folder under the data folder, code taxonomy)
RELEASES: dict[str, tuple[str, str, str]] = {
    **{
        v.replace("_", "."): (f"onet_{v}", f"onet_history/db_{v}/", tax)
        for v, tax in (
            ("13_0", "2006"), ("14_0", "2009"), ("15_0", "2009"), ("16_0", "2010"),
            ("17_0", "2010"), ("18_0", "2010"), ("19_0", "2010"), ("20_1", "2010"),
            ("21_1", "2010"), ("22_1", "2010"), ("23_1", "2010"), ("24_1", "2010"),
            ("25_1", "2019"),
        )
    },
    "29.2": ("onet", "onet/", "2019"),
}
ORDER: tuple[str, ...] = tuple(RELEASES)  # oldest first
WITH_DWAS: tuple[str, ...] = ("19.0", "20.1", "21.1", "22.1", "23.1", "24.1", "25.1", "29.2")
WITH_TECHNOLOGY: tuple[str, ...] = ("24.1", "25.1", "29.2")
CROSSWALK_2009 = "crosswalks/onetsoc2009_to_onetsoc2010.csv"
CROSSWALK_2010 = "crosswalks/2010_to_2019_Crosswalk.csv"


def release_names(release: str, *extra: str) -> tuple[str, ...]:
    """The pinned releases a part of ``release`` reads."""
    return (RELEASES[release][0], *extra)


def _file(release: str, name: str) -> str:
    return RELEASES[release][1] + name


def _date(col: str) -> pl.Expr:
    """O*NET's ``MM/YYYY`` as ``YYYY-MM``."""
    parts = pl.col(col).str.strip_chars().str.split("/")
    return pl.when(pl.col(col).str.contains(r"^\s*\d{2}/\d{4}\s*$")).then(
        parts.list.get(1) + "-" + parts.list.get(0)
    )


def occupations(release: str) -> pl.DataFrame:
    return read(_file(release, "Occupation Data.txt")).select(
        release=pl.lit(release),
        occupation_code=pl.col("O*NET-SOC Code"),
        title=pl.col("Title"),
        description=pl.col("Description"),
    )


def tasks(release: str) -> pl.DataFrame:
    """Task statements with their type (Core 2, otherwise 1, as in :func:`taxonomies.onet.tasks`),
    collection date and domain source."""
    return read(_file(release, "Task Statements.txt")).select(
        release=pl.lit(release),
        occupation_code=pl.col("O*NET-SOC Code"),
        task_id=pl.col("Task ID"),
        task_text=pl.col("Task").str.strip_chars(),
        task_type=pl.col("Task Type"),
        weight=task_weight(),
        incumbents_responding=pl.col("Incumbents Responding").cast(pl.Int64, strict=False),
        date=_date("Date"),
        domain_source=pl.col("Domain Source"),
    )


def task_activities(release: str) -> pl.DataFrame:
    links = read(_file(release, "Tasks to DWAs.txt")).select(
        occupation_code=pl.col("O*NET-SOC Code"), task_id=pl.col("Task ID"), dwa_id=pl.col("DWA ID")
    )
    dwa = read(_file(release, "DWA Reference.txt")).select(
        dwa_id=pl.col("DWA ID"), dwa_title=pl.col("DWA Title"), iwa_id=pl.col("IWA ID")
    )
    return links.unique().join(dwa, on="dwa_id", how="left").with_columns(release=pl.lit(release))


def technology(release: str) -> pl.DataFrame:
    """Technology Skills and Tools Used: one row per (occupation, kind, commodity)."""
    frames = []
    for name, kind in (("Technology Skills.txt", "technology"), ("Tools Used.txt", "tool")):
        df = read(_file(release, name))
        hot = (pl.col("Hot Technology") == "Y").any() if "Hot Technology" in df.columns else pl.lit(None, pl.Boolean)
        frames.append(
            df.group_by("O*NET-SOC Code", "Commodity Code").agg(
                pl.col("Commodity Title").first().alias("commodity_title"),
                pl.col("Example").unique().sort().alias("examples"),
                hot.alias("hot_technology"),
            ).select(
                release=pl.lit(release),
                occupation_code=pl.col("O*NET-SOC Code"),
                kind=pl.lit(kind),
                commodity_code=pl.col("Commodity Code"),
                commodity_title=pl.col("commodity_title"),
                examples=pl.col("examples"),
                hot_technology=pl.col("hot_technology") if kind == "technology" else pl.lit(None, pl.Boolean),
            )
        )
    return pl.concat(frames)


def _step(path: str, source: str, target: str) -> pl.DataFrame:
    return read(path).select(old=pl.col(source), new=pl.col(target)).drop_nulls().unique()


def _chain(first: pl.DataFrame, second: pl.DataFrame) -> pl.DataFrame:
    return first.join(second.rename({"old": "new", "new": "to"}), on="new", how="inner").select(
        "old", new="to"
    ).unique()


def codes(release: str) -> pl.DataFrame:
    """Every code of the release with the O*NET-SOC 2019 code(s) it maps to and how."""
    published = read(_file(release, "Task Statements.txt"))["O*NET-SOC Code"].unique()
    published = pl.concat([published, read(_file(release, "Occupation Data.txt"))["O*NET-SOC Code"]]).unique()
    taxonomy = RELEASES[release][2]
    if taxonomy == "2019":
        links = pl.DataFrame({"old": published, "new": published})
        path = "none (O*NET-SOC 2019)"
    else:
        to2019 = _step(CROSSWALK_2010, "O*NET-SOC 2010 Code", "O*NET-SOC 2019 Code")
        if taxonomy == "2010":
            links, path = to2019, "O*NET-SOC 2010 -> 2019"
        else:
            to2010 = _step(CROSSWALK_2009, "O*NET-SOC 2009 Code", "O*NET-SOC 2010 Code")
            links, path = _chain(to2010, to2019), "O*NET-SOC 2009 -> 2010 -> 2019"
        links = links.filter(pl.col("old").is_in(published.implode()))
    n_new = pl.len().over("old")
    n_old = pl.len().over("new")
    return links.select(
        release=pl.lit(release),
        occupation_code=pl.col("old"),
        onet_code=pl.col("new"),
        mapping=pl.when((n_new > 1) & (n_old > 1)).then(pl.lit("split+merged"))
        .when(n_new > 1).then(pl.lit("split"))
        .when(n_old > 1).then(pl.lit("merged"))
        .when(pl.col("old") != pl.col("new")).then(pl.lit("recoded"))
        .otherwise(pl.lit("same code")),
        crosswalk=pl.lit(path),
    )


def parts() -> list[tuple[str, str, tuple[str, ...], object]]:
    """(table, part name, releases read, loader) for every history table part."""
    out = []
    for r in ORDER:
        out.append(("history_occupations", r, release_names(r), partial(occupations, r)))
        out.append(("history_tasks", r, release_names(r), partial(tasks, r)))
        extra = {"2019": (), "2010": ("soc_crosswalks",)}.get(RELEASES[r][2], ("onetsoc2009_crosswalk", "soc_crosswalks"))
        out.append(("history_codes", r, release_names(r, *extra), partial(codes, r)))
        if r in WITH_DWAS:
            out.append(("history_task_activities", r, release_names(r), partial(task_activities, r)))
        if r in WITH_TECHNOLOGY:
            out.append(("history_technology", r, release_names(r), partial(technology, r)))
    return out
