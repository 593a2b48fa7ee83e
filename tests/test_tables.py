"""The canonical tables built from the real releases: counts, schemas, keys, codes."""

from __future__ import annotations

import polars as pl
import pytest

from taxonomies import TABLES, load
from taxonomies.schemas import KEYS, schema


def test_every_table_matches_its_declared_schema(tables):
    assert set(tables) == set(TABLES)
    for name, df in tables.items():
        assert df.schema == schema(name), name
        assert df.height > 0, name


def test_no_table_has_a_duplicate_key(tables):
    for name, df in tables.items():
        assert not df.select(KEYS[name]).is_duplicated().any(), name


@pytest.mark.parametrize(
    ("taxonomy", "occupations", "with_tasks", "tasks"),
    [("onet", 1016, 923, 18796), ("isco08", 436, 427, 3265)],
)
def test_release_counts(tables, taxonomy, occupations, with_tasks, tasks):
    occ = tables["occupations"].filter(pl.col("taxonomy") == taxonomy)
    t = tables["tasks"].filter(pl.col("taxonomy") == taxonomy)
    assert occ.height == occupations
    assert t["occupation_code"].n_unique() == with_tasks
    assert t.height == tasks
    # every task belongs to an occupation of the same taxonomy
    assert set(t["occupation_code"]) <= set(occ["occupation_code"])


def test_esco_counts(tables):
    assert tables["occupations"].filter(pl.col("taxonomy") == "esco").height == 3039
    assert tables["skills"].filter(pl.col("taxonomy") == "esco").height == 13939
    rel = tables["occupation_skills"].filter(pl.col("taxonomy") == "esco")
    assert rel.height == 129004
    assert rel["relation"].value_counts().sort("relation").rows() == [("essential", 67622), ("optional", 61382)]
    assert rel["occupation_code"].null_count() == 0


def test_onet_task_types_and_weights(tables):
    t = tables["tasks"].filter(pl.col("taxonomy") == "onet")
    counts = dict(t.group_by("task_type").len().rows())
    assert counts == {"Core": 13417, "Supplemental": 4222, None: 1157}
    assert t.filter(pl.col("task_type") == "Core")["weight"].unique().to_list() == [2.0]


def test_codes_are_strings_with_leading_zeros(tables):
    isco = tables["occupations"].filter(pl.col("taxonomy") == "isco08")
    assert "0110" in isco["occupation_code"].to_list()
    assert isco["occupation_code"].str.len_chars().unique().to_list() == [4]
    esco = tables["occupations"].filter(pl.col("taxonomy") == "esco")
    assert esco.filter(pl.col("occupation_code") == "2654.1.7")["title"].item() == "technical director"
    ilo = tables["employment_ilostat"]
    assert {"01", "02", "03", "96", "TOTAL"} <= set(ilo["isco08_2digit"])


def test_onet_occupation_has_parents_job_zone_and_titles(tables):
    dev = tables["occupations"].filter(pl.col("occupation_code") == "15-1252.00").row(0, named=True)
    assert dev["title"] == "Software Developers"
    assert dev["parent_codes"] == ["15-1252", "15-1250", "15-1200", "15-0000"]
    occ = tables["occupations"]
    clerk = occ.filter(pl.col("occupation_code") == "11-3121.00")["parent_codes"].item().to_list()
    assert clerk == ["11-3121", "11-3120", "11-3000", "11-0000"]
    # every derived minor and major group is a SOC 2018 group in OEWS, except the groups
    # OEWS does not survey (military, 55; fishing and hunting, 45-3000)
    groups = set(tables["employment_us"]["soc_code"]) | {"55-0000", "55-1000", "55-2000", "55-3000", "45-3000"}
    onet = occ.filter(pl.col("taxonomy") == "onet")
    assert set(onet["parent_codes"].list.get(2)) <= groups
    assert set(onet["parent_codes"].list.get(3)) <= groups
    assert dev["skill_level"] == 4
    assert "Application Developer" in dev["alternate_titles"]


def test_isco_skill_levels_follow_major_groups(tables):
    isco = tables["occupations"].filter(pl.col("taxonomy") == "isco08")
    level = dict(isco.select("occupation_code", "skill_level").iter_rows())
    assert (level["2512"], level["3112"], level["4132"], level["9112"], level["0110"]) == (4, 3, 2, 1, 4)
    # ESCO occupations inherit the level of their ISCO-08 group
    esco = tables["occupations"].filter(pl.col("occupation_code") == "2654.1.7")
    assert esco["skill_level"].item() == 4
    assert esco["parent_codes"].item().to_list() == ["2654.1", "2654", "265", "26", "2"]


def test_isco_unit_group_task_list_is_split_into_items(tables):
    t = tables["tasks"].filter(pl.col("occupation_code") == "4132").sort("task_id")
    assert t["task_id"].to_list() == [f"4132-0{i}" for i in range(1, 6)]
    assert t["task_text"].to_list() == [
        "receiving and registering invoices, forms, records and other documents for data capture",
        "entering numerical data, codes and text from source material into computer-compatible storage and processing devices",
        "verifying accuracy and completeness of data and correcting entered data, if needed",
        "operating bookkeeping and calculating machines",
        "importing and exporting data between different database systems and software",
    ]
    isco_tasks = tables["tasks"].filter(pl.col("taxonomy") == "isco08")
    assert isco_tasks.filter(pl.col("occupation_code") == "2512").height == 8
    # the ILO writes one marker as "(d )": it still starts a task of its own
    assert isco_tasks.filter(pl.col("occupation_code") == "3259").height == 8
    # no item keeps list punctuation, a dangling conjunction or another item's marker
    assert not isco_tasks["task_text"].str.contains(r"(;|\band|\bor|,)$").any()
    assert not isco_tasks["task_text"].str.contains(r"\(\s*[a-z]\s*\)").any()
    assert isco_tasks["task_text"].str.len_chars().min() > 10


def test_split_tasks_handles_trailing_conjunctions_and_empty_text():
    from taxonomies.isco08 import split_tasks

    text = "Tasks include -\n(a)  entering data;\n(b)  checking totals; and\n(c)  filing forms.\n"
    assert split_tasks(text) == ["entering data", "checking totals", "filing forms"]
    assert split_tasks("") == []
    assert split_tasks(None) == []


def test_onet_tasks_link_to_work_activities(tables):
    acts = tables["task_activities"]
    assert acts.height == 23233
    assert acts["iwa_title"].null_count() == 0 and acts["gwa_title"].null_count() == 0
    assert acts["iwa_id"].n_unique() <= 332 and acts["gwa_id"].n_unique() <= 41
    onet_tasks = set(tables["tasks"].filter(pl.col("taxonomy") == "onet")["task_id"])
    assert set(acts["task_id"]) <= onet_tasks


def test_esco_skill_collections_match_the_official_collection_files(tables, shared_data):
    skills = tables["skills"].filter(pl.col("taxonomy") == "esco")
    digital = pl.read_csv(shared_data / "esco/digitalSkillsCollection_en.csv", infer_schema=False)
    assert set(skills.filter(pl.col("in_digital"))["skill_id"]) == set(digital["conceptUri"])
    sheet = skills.filter(pl.col("label") == "use spreadsheets software").row(0, named=True)
    assert sheet["in_digital"] and sheet["reuse_level"] is not None
    dental = skills.filter(pl.col("label") == "manipulate dental material").row(0, named=True)
    assert not dental["in_digital"] and not dental["in_digcomp"]


def test_onet_technology_skills_keep_hot_technology_flags(tables):
    tech = tables["occupation_skills"].filter(
        (pl.col("occupation_code") == "43-9021.00") & (pl.col("relation") == "technology")
    )
    sheet = tech.filter(pl.col("skill_id") == "technology:43232110").row(0, named=True)
    assert "Microsoft Excel" in sheet["examples"]
    assert sheet["hot_technology"] is True
    ratings = tables["occupation_skills"].filter(pl.col("relation") == "rating")
    assert ratings["importance"].is_between(1, 5).all()
    assert ratings["weight"].is_between(0, 1).all()


def test_oews_employment(tables):
    us = tables["employment_us"]
    assert us.filter(pl.col("o_group") == "total")["employment"].item() == 154_187_380
    assert us.filter(pl.col("o_group") == "detailed").height == 831
    assert us.filter(pl.col("soc_code") == "15-1252")["title"].item() == "Software Developers"


def test_ilostat_picks_one_survey_per_country_year(tables):
    from taxonomies.employment import ilostat_country_year

    ilo = tables["employment_ilostat"]
    assert ilo["country"].n_unique() == 103
    fra = ilostat_country_year(ilo, "FRA", 2018)
    assert fra["source"].n_unique() == 1
    assert fra.filter(pl.col("isco08_2digit") != "TOTAL").height >= 40
    assert ilostat_country_year(ilo, "FRA", 1990).is_empty()


def test_cached_reload_gives_the_same_table(tables):
    again = load("tasks")
    assert again.equals(tables["tasks"])


def test_unknown_table_is_an_input_error(data_dir):
    from exposure.errors import InputError

    with pytest.raises(InputError, match="unknown table 'task'"):
        load("task")
