"""ISCO-08 (ILO structure and definitions): groups, unit groups and their task lists.

The ILO lists each unit group's tasks as one text: ``Tasks include - (a) ...; (b) ...``
(or ``In such cases tasks would include -`` for residual groups). :func:`split_tasks`
turns it into one row per lettered item. Nine unit groups (the armed forces and a few
residual groups) have no task list and so no task rows.

Skill level follows the ILO's mapping of major groups to skill levels: 1 managers ->
3-4 (coded 4), 2 professionals -> 4, 3 technicians -> 3, 4-8 -> 2, 9 elementary -> 1;
armed forces by sub-major group: 01 -> 4, 02 -> 2, 03 -> 1.
"""

from __future__ import annotations

import re

import polars as pl

from taxonomies.sources import read

TAXONOMY = "isco08"
FILE = "isco/ISCO-08 EN Structure and definitions.xlsx"

_MAJOR_SKILL_LEVEL = {"1": 4, "2": 4, "3": 3, "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 1}
_ARMED_FORCES_SKILL_LEVEL = {"01": 4, "02": 2, "03": 1}

_ITEM = re.compile(r"(?:^|\s)\(\s*([a-z]{1,2})\s*\)\s+")
_TRAILING = re.compile(r"(?:[;,.:\s]+|\s+(?:and|or))+$")


def split_tasks(text: str | None) -> list[str]:
    """The lettered items of an ILO "Tasks include" text, cleaned of list punctuation.

    >>> split_tasks("Tasks include -\\n(a)  entering data;\\n(b)  verifying data; and\\n")
    ['entering data', 'verifying data']
    """
    if not text:
        return []
    parts = _ITEM.split(text)
    # parts = [preamble, letter, item, letter, item, ...]
    items = [re.sub(r"\s+", " ", p) for p in parts[2::2]]
    return [_TRAILING.sub("", item).strip() for item in items if item.strip()]


def skill_level(code: str) -> int:
    """ILO skill level of an ISCO-08 code (any level below major group 0)."""
    if code.startswith("0"):
        return _ARMED_FORCES_SKILL_LEVEL[code[:2]]
    return _MAJOR_SKILL_LEVEL[code[0]]


def isco_parents(code: pl.Expr) -> pl.Expr:
    """The minor, sub-major and major group of a 4-digit ISCO-08 code, nearest first."""
    return pl.concat_list(code.str.slice(0, 3), code.str.slice(0, 2), code.str.slice(0, 1))


def groups() -> pl.DataFrame:
    return read(FILE).select(
        code=pl.col("ISCO 08 Code"),
        level=pl.col("Level").cast(pl.Int8),
        title=pl.col("Title EN"),
        definition=pl.col("Definition"),
        tasks_include=pl.col("Tasks include"),
        included_occupations=pl.col("Included occupations"),
        excluded_occupations=pl.col("Excluded occupations"),
        notes=pl.col("Notes"),
    )


def _examples(text: str | None) -> list[str]:
    """Example occupations: the "- Programmer analyst" lines of "Included occupations"."""
    if not text:
        return []
    return sorted({line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("-")})


def occupations() -> pl.DataFrame:
    units = groups().filter(pl.col("level") == 4)
    return units.select(
        taxonomy=pl.lit(TAXONOMY),
        occupation_code=pl.col("code"),
        title=pl.col("title"),
        description=pl.col("definition"),
        parent_codes=isco_parents(pl.col("code")),
        isco08_major=pl.col("code").str.slice(0, 1),
        skill_level=pl.col("code").map_elements(skill_level, return_dtype=pl.Int8),
        alternate_titles=pl.col("included_occupations").map_elements(
            _examples, return_dtype=pl.List(pl.String)
        ),
    )


def tasks() -> pl.DataFrame:
    units = groups().filter(pl.col("level") == 4)
    rows = []
    for code, text in units.select("code", "tasks_include").iter_rows():
        for i, task in enumerate(split_tasks(text)):
            rows.append((f"{code}-{i + 1:02d}", code, task))
    return pl.DataFrame(
        rows, schema=["task_id", "occupation_code", "task_text"], orient="row"
    ).with_columns(taxonomy=pl.lit(TAXONOMY), task_type=pl.lit("listed"), weight=pl.lit(1.0))
