"""The adviser lookup, the report command and the main job, end to end on the real data."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from exposure.cli import cli

pytestmark = pytest.mark.slow


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_lookup_page_for_a_code(scored):
    result = run("lookup", "43-9021.00")
    assert result.exit_code == 0, result.output
    for text in ("Data Entry Keyers", "offshorability", "Most offshorable tasks", "Least offshorable tasks",
                 "Skill profile", "generic e-skills", "safer moves"):
        assert text in result.output


def test_lookup_json_has_the_same_content(scored):
    result = run("lookup", "Roofer", "--json")
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["occupation"]["code"] == "47-2181.00"
    assert set(page["scores"]) == {"routinizability", "place_boundness", "person_bound", "site_bound",
                                   "material_bound", "offshorability", "e_skill_content"}
    for s in page["scores"].values():
        assert s["lo"] <= s["score"] <= s["hi"] and 0 <= s["percentile"] <= 100
    most = [t["task_id"] for t in page["tasks"]["most_exposed"]]
    least = [t["task_id"] for t in page["tasks"]["least_exposed"]]
    assert len(most) == 5 and not set(most) & set(least)
    assert all(t["evidence"] for t in page["tasks"]["most_exposed"])


def test_lookup_safer_moves_are_clearly_less_offshorable(scored):
    page = json.loads(run("lookup", "43-9021.00", "--json").stdout)
    own = page["scores"]["offshorability"]["score"]
    assert page["safer_moves"] and all(m["offshorability"] <= own - 0.05 for m in page["safer_moves"])
    assert page["skills"]["e_skills"] and page["skills"]["distinctive"]


def test_lookup_without_skills_or_tasks_still_renders(scored):
    no_skills = run("lookup", "11-9199.00")  # "Managers, All Other": no task statements, no skills
    assert no_skills.exit_code == 0, no_skills.output
    assert "identity dissolution n/a" in no_skills.output
    no_tasks = run("lookup", "0110")  # ISCO-08 unit group without a task list
    assert no_tasks.exit_code == 0 and "has no task list" in no_tasks.output


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("99-9999.00", "Error: no occupation matches '99-9999.00'"),
        ("teacher", "fits several occupations"),
        ("   ", "Error: give an occupation title or code"),
        ("x" * 600, "longer than 500 characters"),
        ("\udcff\udcfe", "not printable text"),
    ],
)
def test_lookup_bad_input_is_one_line_exit_2(scored, query, message):
    result = CliRunner().invoke(cli, ["lookup", query])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output and result.stdout == ""


def test_report_command_writes_a_page_and_prints_its_path(scored, tmp_path):
    folder = tmp_path / "rep"
    result = run("report", "-o", str(folder), "--countries", "DEU,FRA")
    assert result.exit_code == 0, result.output
    assert f"report: {folder / 'report.html'}" in result.output
    assert (folder / "headline.csv").is_file() and (folder / "headline.csv.manifest.json").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--threshold", "1.5"], "threshold"),
        (["--employment", "ilostat", "--country", "XXX"], "XXX"),
    ],
)
def test_report_bad_options_write_nothing(scored, tmp_path, args, message):
    folder = tmp_path / "rep"
    result = run("report", "-o", str(folder), *args)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1
    assert not folder.exists()


def test_main_job_writes_every_output_with_a_manifest(scored, tmp_path):
    folder = tmp_path / "out"
    result = run("run", "-o", str(folder))
    assert result.exit_code == 0, result.output
    names = {p.name for p in folder.iterdir() if not p.name.endswith(".manifest.json") and p.is_file()}
    assert names == {
        "onet_scores.csv", "isco08_scores.csv", "esco_scores.csv", "onet_tasks.csv", "isco08_tasks.csv",
        "validation_text_model.csv", "validation_isco_agreement.csv", "validation_sanity_checks.csv",
        "onet_identity.csv", "onet_eskills.csv", "onet_graph.graphml",
        "esco_identity.csv", "esco_eskills.csv", "esco_graph.graphml",
    }
    for name in names:
        assert (folder / f"{name}.manifest.json").is_file(), name
    assert result.output.strip().endswith(f"report: {folder / 'report' / 'report.html'}")
