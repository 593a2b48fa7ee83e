"""The O*NET release history (13.0 to 29.2) on the real releases: tables, crosswalks,
re-survey marks, rewording matched out, and the trajectories of known occupations."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from taxonomies import load
from taxonomies.onet_history import ORDER

# task statements per release, as ../shared/data/onet_history/SOURCE.md lists them (29.2: onet/)
ROWS = {"13.0": 15251, "14.0": 18361, "15.0": 18464, "16.0": 19355, "17.0": 19393, "18.0": 19450,
        "19.0": 19493, "20.1": 19530, "21.1": 19566, "22.1": 19612, "23.1": 19636, "24.1": 19695,
        "25.1": 19231, "29.2": 18796}


@pytest.mark.parametrize(("release", "rows"), sorted(ROWS.items()))
def test_task_statements_per_release(tables, release, rows):
    t = tables["history_tasks"].filter(pl.col("release") == release)
    assert t.height == rows
    assert t["task_id"].is_unique().all()
    assert t["date"].null_count() == 0  # every MM/YYYY parsed
    assert t["task_text"].str.len_chars().min() > 10


def test_technology_only_from_24_1(tables):
    tech = tables["history_technology"]
    assert sorted(tech["release"].unique()) == ["24.1", "25.1", "29.2"]
    links = tables["history_task_activities"]
    assert sorted(links["release"].unique()) == ["19.0", "20.1", "21.1", "22.1", "23.1", "24.1", "25.1", "29.2"]


def test_data_status_lists_the_history_releases(data_dir):
    from exposure.cli import cli

    result = CliRunner().invoke(cli, ["data", "status", "--no-counts"])
    assert result.exit_code == 0, result.output
    for name in ("onet_13_0", "onet_16_0", "onet_24_1", "onet_25_1", "onetsoc2009_crosswalk"):
        assert name in result.output
    from taxonomies.releases import releases

    assert releases()["onet_20_1"].pullable and not releases()["onetsoc2009_crosswalk"].pullable
    assert releases()["onet_13_0"].files[0].url == "https://www.onetcenter.org/dl_files/db_13_0.zip"


def test_every_task_reaches_an_onet_soc_2019_code(tables):
    codes = tables["history_codes"].select("release", "occupation_code").unique()
    orphans = tables["history_tasks"].join(codes, on=["release", "occupation_code"], how="anti")
    assert orphans.height == 0
    current = set(load("occupations", only="onet")["occupation_code"])
    assert set(tables["history_codes"]["onet_code"]) <= current


def test_crosswalk_chains_software_engineers_to_software_developers(tables):
    c = tables["history_codes"]
    # 2009 "Computer Software Engineers, Applications" -> 2010 15-1132.00 -> 2019 15-1252.00 (and 15-1253.00)
    old = c.filter((pl.col("release") == "14.0") & (pl.col("occupation_code") == "15-1031.00"))
    assert set(old["onet_code"]) == {"15-1252.00", "15-1253.00"}
    assert old["crosswalk"][0] == "O*NET-SOC 2009 -> 2010 -> 2019"
    # 16.0 already uses O*NET-SOC 2010 codes
    assert c.filter((pl.col("release") == "16.0") & (pl.col("occupation_code") == "15-1132.00")).height == 2
    # a 2019 split: Administrative Services Managers -> administrative services and facilities managers
    split = c.filter((pl.col("release") == "24.1") & (pl.col("occupation_code") == "11-3011.00"))
    assert set(split["onet_code"]) == {"11-3012.00", "11-3013.00"} and set(split["mapping"]) == {"split"}
    same = c.filter((pl.col("release") == "29.2"))
    assert (same["occupation_code"] == same["onet_code"]).all()


# --- method on hand-made frames ---------------------------------------------------------


def _frame(rows):
    return pl.DataFrame(rows, schema=["release", "onet_code", "task_id", "task_text", "weight", "date",
                                      "published_code", "mapping"], orient="row")


def test_resurvey_marks_distinguish_silence_from_no_change():
    from exposure.history.trajectories import chains, interval_changes, reid_pairs

    a, b, c = "Enter data into a computer.", "File records.", "Answer telephones."
    rows = [
        ("13.0", "X", "1", a, 1.0, "2008-01", "X", "same code"), ("13.0", "X", "2", b, 1.0, "2008-01", "X", "same code"),
        # 14.0: nothing new: no evidence
        ("14.0", "X", "1", a, 1.0, "2008-01", "X", "same code"), ("14.0", "X", "2", b, 1.0, "2008-01", "X", "same code"),
        # 15.0: new dates, same tasks: re-surveyed, no change
        ("15.0", "X", "1", a, 1.0, "2010-05", "X", "same code"), ("15.0", "X", "2", b, 1.0, "2010-05", "X", "same code"),
        # 16.0: new dates and a new task: content changed
        ("16.0", "X", "1", a, 1.0, "2011-05", "X", "same code"), ("16.0", "X", "2", b, 1.0, "2011-05", "X", "same code"),
        ("16.0", "X", "3", c, 1.0, "2011-05", "X", "same code"),
        # 17.0: a task dropped without new dates
        ("17.0", "X", "1", a, 1.0, "2011-05", "X", "same code"), ("17.0", "X", "3", c, 1.0, "2011-05", "X", "same code"),
    ]
    df = _frame(rows)
    ch = chains(df, reid_pairs(df, {}, threshold=2.0))  # no cross-id matching here
    st = dict(interval_changes(ch).select("release", "status").iter_rows())
    assert st == {"13.0": "first task list", "14.0": "not re-surveyed", "15.0": "re-surveyed, no change",
                  "16.0": "re-surveyed, content changed", "17.0": "changed without new dates"}


def _vectors(texts):
    from exposure.embed import embed

    return dict(zip(texts, embed(texts)))


def test_synthetic_rewording_under_a_new_id_is_not_a_change(data_dir):
    from exposure.history.trajectories import chains, interval_changes, reid_pairs

    old = "Prepare and file invoices, and answer customer questions about billing."
    reworded = "Prepare or file invoices or answer customer questions about billing."
    other = "Operate forklifts to move pallets in the warehouse."
    keep = "Maintain customer account records."
    rows = [
        ("13.0", "X", "10", old, 2.0, "2008-01", "X", "same code"), ("13.0", "X", "11", keep, 1.0, "2008-01", "X", "same code"),
        ("14.0", "X", "99", reworded, 2.0, "2009-01", "X", "same code"), ("14.0", "X", "11", keep, 1.0, "2009-01", "X", "same code"),
        ("15.0", "X", "98", other, 1.0, "2010-01", "X", "same code"), ("15.0", "X", "11", keep, 1.0, "2010-01", "X", "same code"),
    ]
    df = _frame(rows)
    pairs = reid_pairs(df, _vectors([old, reworded, other, keep]))
    assert pairs.select("old_task_id", "new_task_id").rows() == [("10", "99")]
    ch = chains(df, pairs)
    # the reworded task is scored by its latest wording in every release
    assert set(ch.filter(pl.col("chain") == "10")["anchor_text"]) == {reworded}
    changes = dict(interval_changes(ch).select("release", "status").iter_rows())
    assert changes["14.0"] == "re-surveyed, no change"  # reworded only
    assert changes["15.0"] == "re-surveyed, content changed"  # a forklift task is new work


@pytest.fixture(scope="module")
def hist(scored):
    from exposure.history.trajectories import history

    return history()


def test_real_rewording_keeps_the_content_score(hist):
    # O*NET task 8823 of Chief Executives, reworded "and" -> "or" between 14.0 and 29.2
    ch = hist.chains.filter(pl.col("task_id") == "8823")
    texts = dict(ch.filter(pl.col("onet_code") == "11-1011.00").select("release", "task_text").iter_rows())
    assert texts["14.0"].startswith("Direct and coordinate an organization's financial and budget")
    assert texts["29.2"].startswith("Direct or coordinate an organization's financial or budget")
    assert set(ch["anchor_text"]) == {texts["29.2"]}
    ts = dict(hist.text_scores.select("text", "offshorability").iter_rows())
    assert ts[texts["14.0"]] != ts[texts["29.2"]]  # the wording moves the text score a little ...
    rows = hist.trajectories.filter(pl.col("onet_code") == "11-1011.00")
    quiet = rows.filter(pl.col("status").is_in(["not re-surveyed", "re-surveyed, no change"]))
    # ... but an interval without a change of tasks never moves the content score
    assert quiet.height > 0 and quiet["offshorability_change"].abs().max() == 0


def test_no_change_of_tasks_means_no_change_of_content(hist):
    t = hist.trajectories.filter(~pl.col("content_changed").fill_null(True))
    assert t.height > 5000
    for c in ("routinizability", "place_boundness", "offshorability"):
        assert t[f"{c}_change"].abs().max() == 0
    # while the as-worded score does move in some of those intervals (rewording)
    assert (t["offshorability_as_worded_change"].abs() > 0).sum() > 100


def test_one_row_per_occupation_and_release(hist):
    t = hist.trajectories
    assert not t.select("onet_code", "release").is_duplicated().any()
    assert set(t["release"]) == set(ORDER)
    current = load("tasks", only="onet")["occupation_code"].n_unique()
    assert t.filter(pl.col("release") == "29.2").height == current == hist.occupations.height
    assert set(t["status"]) == {"first task list", "not re-surveyed", "re-surveyed, no change",
                                "re-surveyed, content changed", "changed without new dates"}


def test_known_trajectories(hist):
    t = hist.trajectories
    book = t.filter(pl.col("onet_code") == "43-3031.00").sort("release_year")
    status = dict(book.select("release", "status").iter_rows())
    assert status["13.0"] == "first task list" and status["15.0"] == "not re-surveyed"
    assert status["22.1"] == "re-surveyed, no change"
    # the 29.0 rule (relevance >= 25%) removed tasks without a new survey
    assert status["29.2"] == "changed without new dates" and book.filter(pl.col("release") == "29.2")["n_removed"][0] > 0
    soft = t.filter(pl.col("onet_code") == "15-1252.00")
    assert soft["release"].sort().to_list() == sorted(ORDER)  # reaches back to 13.0 through two crosswalks
    assert soft.filter(pl.col("release") == "14.0")["published_codes"][0] == "15-1031.00 15-1032.00"
    occ = hist.occupations.filter(pl.col("onet_code") == "15-1252.00").row(0, named=True)
    assert occ["definition_changed"] and occ["first_release"] == "13.0"
    # technology only where O*NET published it
    assert book.filter(pl.col("release_year") < 2019)["n_technology"].null_count() == book.filter(
        pl.col("release_year") < 2019).height
    assert book.filter(pl.col("release") == "29.2")["e_skill_share_technology"][0] > 0.5


def test_first_look_figures(hist):
    from exposure.history.outputs import first_look

    f = dict(first_look(hist).select("figure", "value").iter_rows())
    assert f["codes identical in 14.0 and 29.2, with tasks in both"] == 676
    assert f["mean Jaccard overlap of the sets of texts 14.0->29.2"] == pytest.approx(0.52, abs=0.01)
    assert f["sets of texts unchanged 14.0->29.2"] == 31
    assert f["mean Jaccard overlap of the sets of tasks (rewording matched out) 14.0->29.2"] > 0.85
    assert abs(f["mean change 14.0->29.2: offshorability as worded"]) < 0.005
    assert f["occupations with identical codes and technology in 24.1 and 29.2"] == 721
    assert f["of which changed their set of technology categories"] == 574
    assert f["mean technology categories 24.1"] == pytest.approx(11.0, abs=0.05)
    assert f["mean technology categories 29.2"] == pytest.approx(12.9, abs=0.05)


def test_outputs_and_lookup(hist, tmp_path):
    from exposure.history.outputs import lookup_history, write_outputs

    written = write_outputs(tmp_path, hist)
    names = sorted(p.name for p in written)
    assert "history_trajectories.csv" in names and "history_dissolving.csv" in names
    for p in written:
        assert p.with_name(p.name + ".manifest.json").is_file()
    top = pl.read_csv(tmp_path / "history_dissolving.csv")
    screen = hist.meta["history"]["screen_construct"]
    assert top[f"{screen}_change"].is_sorted(descending=True) and top["employment"].null_count() == 0
    page = lookup_history("onet", "43-3031.00")
    assert page["line"].startswith(screen.replace("e_skill", "e-skill").replace("_", " "))
    assert "re-surveyed in" in page["line"]
    assert "Prepare and process payroll information." in page["appeared"]
    assert "note" in lookup_history("isco08", "4311")
    # the same inputs give the same files
    again = write_outputs(tmp_path / "again", hist)
    for a, b in zip(sorted(written), sorted(again)):
        assert a.read_bytes() == b.read_bytes()
    assert np.isfinite(top[f"{screen}_change"].to_numpy()).all()


def test_report_section_tables_and_html(hist):
    from html import escape

    from exposure.history.section import section_html, section_tables

    tables = section_tables(hist)
    top, moved = tables["history_dissolving.csv"], tables["history_moved.csv"]
    screen = hist.meta["history"]["screen_construct"]
    assert top.height == 15 and top["employment"].null_count() == 0
    assert top[f"{screen}_change"].is_sorted(descending=True)
    # toward, away, less and the redefined occupations partition the occupations
    parts = moved.filter(~pl.col("group").str.starts_with("never"))
    assert parts["occupations"].sum() == hist.occupations.height
    assert parts["employment_share"].sum() == pytest.approx(1.0)
    page = section_html(tables, hist, "BLS OEWS May 2024")
    assert escape(top["title"][0]) in page and "not re-surveyed" in page


def test_lookup_shows_the_trajectory_line(hist):
    from exposure.cli import cli

    result = CliRunner().invoke(cli, ["lookup", "43-3031.00"])
    assert result.exit_code == 0, result.output
    assert "Over time (O*NET 43-3031.00, 13.0-29.2)" in result.output and "re-surveyed in 14.0, 22.1" in result.output
    assert "appeared: Prepare and process payroll information." in result.output
    page = CliRunner().invoke(cli, ["lookup", "43-3031.00", "--json"])
    import json

    history = json.loads(page.stdout)["history"]
    assert history["onet_code"] == "43-3031.00" and len(history["releases"]) == 14


def test_isco_unit_groups_follow_their_onet_occupations(hist):
    from exposure.history.section import isco_section_tables, section_html

    units = load("occupations", only="isco08").select("occupation_code", "title").with_columns(employment=pl.lit(1.0))
    tables = isco_section_tables(hist, units)
    top, moved = tables["history_dissolving.csv"], tables["history_moved.csv"]
    screen = hist.meta["history"]["screen_construct"]
    assert top[f"{screen}_change"].is_sorted(descending=True) and (top["onet_occupations"] >= 1).all()
    assert moved["occupations"].sum() == units.height  # every unit group in exactly one group
    page = section_html(tables, hist, "ILOSTAT")
    assert "ISCO-08 unit groups whose task content moved most" in page
