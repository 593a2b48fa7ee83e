"""Declared schemas of the canonical tables, and their keys.

Every loader returns frames that :func:`conform` to one of these: the columns in this
order, of these types, sorted by the key, with no duplicate key. Codes are strings so
that leading zeros survive (ISCO ``0110``, ESCO ``2654.1.7``).

Taxonomy names used in ``taxonomy`` columns and crosswalks:
``onet`` (O*NET-SOC 2019, as in O*NET 29.2), ``onet2010`` (O*NET-SOC 2010),
``soc2018``, ``soc2010``, ``isco08`` (unit groups, 4 digits), ``esco`` (ESCO 1.2.0
occupation codes such as ``2654.1.7``).
"""

from __future__ import annotations

import polars as pl

from taxonomies.base import DataError

Str, F64, I64, I8, Bool = pl.String, pl.Float64, pl.Int64, pl.Int8, pl.Boolean
StrList = pl.List(pl.String)

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    # one row per occupation of a taxonomy
    "occupations": {
        "taxonomy": Str,
        "occupation_code": Str,
        "title": Str,
        "description": Str,
        "parent_codes": StrList,  # nearest first, up to the major group
        "isco08_major": Str,  # ISCO-08 major group (1 digit) where the taxonomy has one
        "skill_level": I8,  # O*NET Job Zone 1-5; ISCO-08 skill level 1-4
        "uri": Str,  # ESCO concept URI
        "alternate_titles": StrList,
    },
    # one row per task statement
    "tasks": {
        "taxonomy": Str,
        "task_id": Str,
        "occupation_code": Str,
        "task_text": Str,
        "task_type": Str,  # O*NET: Core / Supplemental / null; ISCO-08: listed
        "weight": F64,  # default aggregation weight: Core 2, otherwise 1
    },
    # O*NET task -> Detailed -> Intermediate -> Generalized Work Activity
    "task_activities": {
        "taxonomy": Str,
        "task_id": Str,
        "occupation_code": Str,
        "dwa_id": Str,
        "dwa_title": Str,
        "iwa_id": Str,
        "iwa_title": Str,
        "gwa_id": Str,
        "gwa_title": Str,
    },
    # ISCO-08 groups at every level, with the ILO texts
    "isco08_groups": {
        "code": Str,
        "level": I8,
        "title": Str,
        "definition": Str,
        "tasks_include": Str,
        "included_occupations": Str,
        "excluded_occupations": Str,
        "notes": Str,
    },
    # one row per skill (ESCO skill; O*NET technology/tool commodity, skill or knowledge)
    "skills": {
        "taxonomy": Str,
        "skill_id": Str,
        "label": Str,
        "skill_type": Str,  # esco: knowledge / skill/competence; onet: technology/tool/skill/knowledge
        "reuse_level": Str,  # ESCO reuse level where the collection files give it
        "text": Str,  # label, alternative labels, description (for embedding and search)
        "in_digital": Bool,
        "in_digcomp": Bool,
        "in_transversal": Bool,
        "in_language": Bool,
        "in_green": Bool,
        "in_research": Bool,
        "hot_technology": Bool,  # O*NET: any example flagged Hot Technology
        "in_demand": Bool,  # O*NET: any example flagged In Demand
        "unspsc_code": Str,  # O*NET technology/tool commodity code
    },
    # occupation -> skill, with provenance in `relation`
    "occupation_skills": {
        "taxonomy": Str,
        "occupation_code": Str,
        "skill_id": Str,
        "relation": Str,  # essential / optional / technology / tool / rating
        "weight": F64,  # essential 1, optional 0.5; technology/tool 1; rating: (importance-1)/4
        "importance": F64,  # O*NET IM scale 1-5
        "level": F64,  # O*NET LV scale 0-7
        "hot_technology": Bool,
        "in_demand": Bool,
        "examples": StrList,  # O*NET technology/tool examples behind the commodity
    },
    # code -> code links, official tables and the chains built from them
    "crosswalk": {
        "from_taxonomy": Str,
        "from_code": Str,
        "to_taxonomy": Str,
        "to_code": Str,
        "method": Str,  # the source table, or the chain of steps
        "partial": Bool,  # the source marks the match as partial
        "weight": F64,  # share of from_code assigned to to_code (sums to 1 per from_code)
        "confidence": F64,  # Nesta's 0.5/1/2 where given
    },
    # BLS OEWS national, by SOC 2018
    "employment_us": {
        "soc_code": Str,
        "title": Str,
        "o_group": Str,  # total / major / minor / broad / detailed
        "employment": I64,
        "employment_rse": F64,
        "annual_mean_wage": F64,
        "annual_median_wage": F64,
        "hourly_mean_wage": F64,
        "wage_top_coded": Bool,  # BLS "#": wage at or above the top code
        "release": Str,
    },
    # ILOSTAT employment (thousands) by ISCO-08 2-digit
    "employment_ilostat": {
        "country": Str,
        "country_name": Str,
        "source": Str,
        "source_label": Str,
        "year": I64,
        "isco08_2digit": Str,  # "01".."96", "X" (not classified) or "TOTAL"
        "employment_thousands": F64,
    },
    # earlier O*NET releases (taxonomies.onet_history): release "13.0" ... "25.1", "29.2"
    "history_occupations": {
        "release": Str,
        "occupation_code": Str,  # as published in that release
        "title": Str,
        "description": Str,
    },
    "history_tasks": {
        "release": Str,
        "occupation_code": Str,
        "task_id": Str,
        "task_text": Str,
        "task_type": Str,
        "weight": F64,  # Core 2, otherwise 1
        "incumbents_responding": I64,
        "date": Str,  # YYYY-MM the task data were collected
        "domain_source": Str,
    },
    "history_task_activities": {
        "release": Str,
        "occupation_code": Str,
        "task_id": Str,
        "dwa_id": Str,
        "dwa_title": Str,
        "iwa_id": Str,
    },
    "history_technology": {
        "release": Str,
        "occupation_code": Str,
        "kind": Str,  # technology / tool
        "commodity_code": Str,
        "commodity_title": Str,
        "examples": StrList,
        "hot_technology": Bool,
    },
    # each release's codes -> O*NET-SOC 2019
    "history_codes": {
        "release": Str,
        "occupation_code": Str,
        "onet_code": Str,
        "mapping": Str,  # same code / recoded / split / merged / split+merged
        "crosswalk": Str,
    },
    # a published measure to compare with: Dingel & Neiman (2020) teleworkability
    "telework": {
        "taxonomy": Str,  # onet2010 (O*NET-SOC 2010 occupations) or oes2018 (BLS OES 2018 codes)
        "occupation_code": Str,
        "title": Str,
        "teleworkable": F64,  # 1 = can be done at home; BLS codes: share of O*NET occupations (0-1)
    },
}

KEYS: dict[str, tuple[str, ...]] = {
    "occupations": ("taxonomy", "occupation_code"),
    "tasks": ("taxonomy", "task_id"),
    "task_activities": ("taxonomy", "task_id", "dwa_id"),
    "isco08_groups": ("code",),
    "skills": ("taxonomy", "skill_id"),
    "occupation_skills": ("taxonomy", "occupation_code", "skill_id", "relation"),
    "crosswalk": ("from_taxonomy", "from_code", "to_taxonomy", "to_code", "method"),
    "employment_us": ("soc_code",),
    "employment_ilostat": ("country", "source", "year", "isco08_2digit"),
    "history_occupations": ("release", "occupation_code"),
    "history_tasks": ("release", "occupation_code", "task_id"),
    "history_task_activities": ("release", "occupation_code", "task_id", "dwa_id"),
    "history_technology": ("release", "occupation_code", "kind", "commodity_code"),
    "history_codes": ("release", "occupation_code", "onet_code"),
    "telework": ("taxonomy", "occupation_code"),
}


def schema(table: str) -> pl.Schema:
    return pl.Schema(SCHEMAS[table])


def conform(df: pl.DataFrame, table: str) -> pl.DataFrame:
    """Columns of the declared schema, in order and type (missing ones null), sorted by
    the key; a duplicate key is a DataError, because it means a loader is wrong."""
    declared = SCHEMAS[table]
    out = df.select(
        [
            (pl.col(c) if c in df.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in declared.items()
        ]
    ).sort(list(KEYS[table]))
    dupes = out.select(KEYS[table]).is_duplicated()
    if dupes.any():
        first = out.filter(dupes).row(0)
        raise DataError(f"table {table}: duplicate key {first[: len(KEYS[table])]}")
    return out
