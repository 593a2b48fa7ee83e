"""Task and occupation scores on the real data with the bundled model."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from exposure.cli import cli
from exposure.scoring import codebook as cb
from exposure.scoring.evaluate import sanity_checks
from exposure.scoring.occupations import output_columns

pytestmark = pytest.mark.slow


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_named_sanity_check_holds(scored):
    checks = sanity_checks(scored.occupations)
    failed = checks.filter(~pl.col("passed")).select("name", "value", "percentile").rows()
    assert failed == []
    assert checks.height >= 15


def test_offshorability_is_not_one_minus_place_boundness(scored):
    onet = scored.occupations.filter(pl.col("taxonomy") == "onet")
    sewing = onet.filter(pl.col("occupation_code") == "51-6031.00").row(0, named=True)
    assert sewing["place_boundness"] > 0.7 and sewing["offshorability"] > 0.5
    gap = (onet["offshorability"] - (1 - onet["place_boundness"])).abs()
    assert gap.mean() > 0.1


@pytest.mark.parametrize(("taxonomy", "rows"), [("onet", 1016), ("isco08", 436), ("esco", 3039)])
def test_one_score_row_per_occupation_with_valid_intervals(scored, tables, taxonomy, rows):
    out = output_columns(scored.occupations.filter(pl.col("taxonomy") == taxonomy))
    assert out.height == rows
    assert out["occupation_code"].n_unique() == rows
    assert set(out["occupation_code"]) == set(
        tables["occupations"].filter(pl.col("taxonomy") == taxonomy)["occupation_code"]
    )
    for c in cb.CONSTRUCTS:
        assert out[c].null_count() == 0, c
        assert out[c].is_between(0, 1).all(), c
        assert (out[f"{c}_lo"] <= out[c] + 1e-9).all() and (out[c] <= out[f"{c}_hi"] + 1e-9).all(), c


def test_place_boundness_is_the_strongest_component(scored):
    t = scored.tasks
    strongest = pl.max_horizontal("person_bound", "site_bound", "material_bound")
    assert t.select((pl.col("place_boundness") - strongest).abs().max()).item() < 1e-3


def test_every_task_is_scored_with_evidence(scored, tables):
    assert scored.tasks.height == tables["tasks"].height
    sources = dict(scored.tasks.group_by("taxonomy", "source").len().select(
        pl.concat_str("taxonomy", "source", separator="/"), "len").rows())
    assert sources["onet/codebook+text"] == 18495
    assert sources["onet/text"] == 301 and sources["isco08/text"] == 3265
    coded = scored.tasks.filter(pl.col("source") == "codebook+text")
    assert coded["evidence"].list.eval(pl.element().str.starts_with("activity: ")).list.any().all()
    assert scored.tasks["evidence"].list.eval(pl.element().str.starts_with("nearest coded task")).list.any().all()


def test_out_of_fold_text_model_agrees_with_the_codebook(scored):
    m = dict(scored.cv_metrics.select("construct", "pearson_r").rows())
    assert all(r > 0.6 for r in m.values()), m
    cover = scored.cv_metrics["interval_coverage"]
    assert cover.is_between(0.88, 0.92).all()
    # occupation intervals: calibrated on occupation means, far narrower than task intervals
    occ = scored.cv_metrics
    assert occ["occupation_interval_coverage"].is_between(0.88, 0.93).all()
    assert (occ["occupation_mean_interval_width"] < 0.7 * occ["mean_interval_width"]).all()
    assert (occ["occupation_pearson_r"] > 0.85).all()


def test_isco_native_scores_agree_with_the_onet_crosswalk(scored):
    ag = dict(scored.agreement.select("construct", "pearson_r").rows())
    assert all(r > 0.7 for r in ag.values()), ag
    isco = scored.occupations.filter(pl.col("taxonomy") == "isco08")
    assert isco.filter(pl.col("source") == "onet crosswalk").height == 9  # unit groups with no task list


def test_score_command_writes_contract_columns_and_manifest(scored, tmp_path):
    target = tmp_path / "isco.csv"
    result = run("score", "--taxonomy", "isco08", "--all", "-o", str(target))
    assert result.exit_code == 0, result.output
    df = pl.read_csv(target, schema_overrides={"occupation_code": pl.String})
    expected = ["taxonomy", "occupation_code", "title", "routinizability", "place_boundness", "person_bound",
                "site_bound", "material_bound", "offshorability"]
    assert df.columns[: len(expected)] == expected
    assert {"offshorability_lo", "offshorability_hi", "n_tasks", "offshorability_via_onet"} <= set(df.columns)
    assert "0110" in df["occupation_code"].to_list()
    manifest = json.loads((tmp_path / "isco.csv.manifest.json").read_text())
    assert manifest["model"]["model_id"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert len(manifest["codebook_sha256"]) == 64 and manifest["random_state"] == 0
    assert {r["release"] for r in manifest["releases"]} >= {"onet", "isco08", "esco", "oews"}
    assert "torch" in manifest["packages"]


def test_rebuilt_scores_are_byte_identical(scored, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run("score", "--all", "-o", str(first)).exit_code == 0
    assert run("score", "--all", "--rebuild", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_tasks_command_filters_one_occupation(scored, tmp_path):
    target = tmp_path / "keyers.json"
    result = run("tasks", "--occupation", "43-9021.00", "-o", str(target))
    assert result.exit_code == 0, result.output
    rows = json.loads(target.read_text())
    assert len(rows) == 9 and {r["occupation_code"] for r in rows} == {"43-9021.00"}
    assert all(r["evidence"] for r in rows)


def test_tasks_command_rejects_an_unknown_occupation(scored):
    result = run("tasks", "--occupation", "99-9999.99")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: no onet occupation with tasks has the code '99-9999.99'"


def test_evaluate_prints_the_three_validations(scored):
    result = run("evaluate")
    assert result.exit_code == 0, result.output
    for title in ("Text model vs codebook", "ISCO-08 native scores vs O*NET crosswalk", "Sanity checks"):
        assert title in result.output


def test_score_needs_all_or_a_list(scored):
    result = CliRunner().invoke(cli, ["score"])
    assert result.exit_code == 2 and "nothing to score" in result.output


def test_model_option_rejects_a_folder_that_is_not_a_model(scored, tmp_path):
    result = run("score", "--all", "--model", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a sentence-transformers model folder" in result.output
