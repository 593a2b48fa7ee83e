"""Issue 9 and the matching part of issue 12, case by case, on the real data: titles match
the right occupation (or are flagged with their candidates), codes survive Unicode look-alikes,
the adviser page speaks in words and its safer moves are meaningfully safer and within reach."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

from exposure.cli import cli

pytestmark = pytest.mark.slow


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def matched(titles: list[str], taxonomy: str = "onet") -> pl.DataFrame:
    from exposure.match import resolve

    return resolve(titles, taxonomy)


@pytest.mark.parametrize(
    ("title", "taxonomy", "right"),
    [
        ("Production Supervisor", "onet", {"51-1011.00"}),
        ("lorry driver", "onet", {"53-3032.00"}),
        ("Key Account Manager", "onet", {"41-4012.00", "41-4011.00", "11-2022.00", "41-3091.00"}),
        ("Warehouse Operative", "isco08", {"9333", "4321", "9334"}),
        ("Office Manager", "isco08", {"3341", "1219"}),
        ("Roofer", "onet", {"47-2181.00"}),
        ("accounts payable clerk", "onet", {"43-3031.00"}),  # the lookup --help example
    ],
)
def test_issue_titles_match_the_right_occupation(scored, title, taxonomy, right):
    row = matched([title], taxonomy).row(0, named=True)
    assert row["match_status"] == "matched" and row["matched_code"] in right, row


@pytest.mark.parametrize(
    ("title", "taxonomy", "among"),
    [
        ("Data Analyst", "onet", "15-2051.00"),
        ("Maintenance Technician", "onet", "49-9071.00"),
        ("IT Helpdesk Technician", "onet", "15-1232.00"),
        ("Cleaner", "esco", "9112"),
    ],
)
def test_issue_titles_left_open_name_the_right_candidate(scored, title, taxonomy, among):
    """Where the matcher cannot choose it says so and lists the candidates with their scores:
    the right occupation is among them, and no wrong one is chosen silently."""
    row = matched([title], taxonomy).row(0, named=True)
    if row["match_status"] == "matched":
        assert row["matched_code"].startswith(among), row
    else:
        assert row["match_status"] == "ambiguous" and among in row["match_candidates"], row


@pytest.mark.xfail(strict=True, reason="known failure: O*NET lists 'call centre agent' only as an alternate title "
                   "of Telemarketers (docs/matching.md)")
def test_call_centre_agent_is_a_customer_service_representative(scored):
    row = matched(["Call Centre Agent"]).row(0, named=True)
    assert row["matched_code"] == "43-4051.00" or row["match_status"] != "matched"


@pytest.mark.parametrize("title", ["Remote Sensing Scientists and Technologists", "Airfield Operations Specialists"])
def test_isco_titles_bridged_to_a_minor_group_reach_a_unit_group_or_stay_open(scored, title):
    """The SOC -> ISCO-08 crosswalk sends these O*NET titles to minor groups (211, 315), which
    are not occupations: scoring and lookup used to stop with an internal error (KeyError)."""
    row = matched([title], "isco08").row(0, named=True)
    assert row["match_status"] != "matched" or len(row["matched_code"]) == 4, row
    result = run("lookup", title, "--taxonomy", "isco08")
    assert "internal error" not in result.output and result.exit_code in (0, 1, 2), result.output


def test_cleaner_in_esco_is_not_an_amusement_park_cleaner(scored):
    row = matched(["Cleaner"], "esco").row(0, named=True)
    assert row["matched_title"] != "amusement park cleaner" or row["match_status"] != "matched"


def test_titles_shared_by_several_occupations_stay_consistent(scored):
    """Issue 12: a shift suffix does not turn an open question into a wrong match, and
    accented letters are folded as the model folds them."""
    rows = matched(["forklift operator", "Forklift Operator (2nd shift)", "Róofer", "Bäcker"]).rows(named=True)
    assert rows[0]["match_status"] == rows[1]["match_status"]
    assert rows[0]["matched_code"] == rows[1]["matched_code"]
    assert rows[1]["matched_code"] != "47-2073.00" or rows[1]["match_status"] != "matched"
    assert rows[2]["matched_code"] == "47-2181.00"
    assert rows[3]["matched_title"] != "Printing Press Operators"


@pytest.mark.parametrize("code", ["４３－３０３１．００", "43\u20103031.00", "43-30\u200b31.00", "\ufeff2512"])
def test_codes_with_unicode_look_alikes_resolve(scored, code):
    row = matched([code]).row(0, named=True)
    assert row["match_status"] == "matched" and row["matched_code"] in ("43-3031.00", "2512")


def test_evaluate_matching_prints_the_three_figures(scored):
    result = run("evaluate", "--matching")
    assert result.exit_code == 0, result.output
    for text in ("confidently_wrong", "right_at_top1", "flagged", "dev", "test"):
        assert text in result.output


def test_score_follows_a_semicolon_cp1252_input(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_bytes("Berufsbezeichnung;Abteilung\nRoofer;Bau\nBäcker;Küche\n".encode("cp1252"))
    out = tmp_path / "scored.csv"
    result = run("score", str(src), "--column", "Berufsbezeichnung", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("cp1252")
    assert text.splitlines()[0].startswith("Berufsbezeichnung;Abteilung;match_status")
    assert "Küche" in text
    header = text.splitlines()[0].split(";")
    assert "offshorability_percentile" in header and "offshorability_band" in header
    assert "share_high_offshorability" in header


def test_lookup_speaks_in_words_first_and_keeps_numbers_for_verbose(scored):
    plain = run("lookup", "bookkeeper")
    assert plain.exit_code == 0, plain.output
    assert "exposure to offshoring" in plain.output and "could be done from abroad" in plain.output
    assert "coded at IWA" not in plain.output and "identity dissolution" not in plain.output
    verbose = run("lookup", "bookkeeper", "--verbose")
    assert "coded at IWA" in verbose.output and "43-3031.00" in verbose.output


def test_lookup_bookkeeper_moves_are_safer_and_within_reach(scored):
    page = json.loads(run("lookup", "bookkeeper", "--json").stdout)
    own = next(s for s in page["scores"] if s["name"] == "offshorability")["percentile"]
    zone = page["moves"]["job_zone"]
    for m in page["moves"]["moves"]:
        assert m["percentile"] <= own - 15
        assert m["job_zone"] is None or m["job_zone"] <= zone + 1
        assert m["skill_overlap"] >= 0.35 and m["shared_skills"]
        assert "wage_change" in m
    titles = {m["title"] for m in page["moves"]["moves"]}
    assert not titles & {"Brokerage Clerks", "Payroll and Timekeeping Clerks"}


def test_lookup_nearest_tasks_come_from_related_occupations(scored):
    page = json.loads(run("lookup", "bookkeeper", "--json").stdout)
    tasks = page["tasks"]["most_exposed"] + page["tasks"]["least_exposed"]
    assert not any("blueprints" in n for t in tasks for n in t["nearest"])
    wide = [t for t in tasks if t["hi"] - t["lo"] > 0.5]
    assert all(t["uncertain"] for t in wide)


@pytest.mark.parametrize("query", ["paralegal", "radiologist"])
def test_lookup_moves_are_not_a_big_step_up(scored, query):
    page = json.loads(run("lookup", query, "--json").stdout)
    titles = {m["title"] for m in page["moves"]["moves"]}
    assert not titles & {"Lawyers", "Judges, Magistrate Judges, and Magistrates", "Family Medicine Physicians"}
    zone = page["moves"]["job_zone"]
    assert all(m["job_zone"] is None or m["job_zone"] <= zone + 1 for m in page["moves"]["moves"])


def test_isco_lookup_has_a_skill_profile_and_moves_through_esco(scored):
    page = json.loads(run("lookup", "2512", "--json").stdout)
    assert "ESCO" in page["skills"]["via"] and page["skills"]["measures"]
    assert page["moves"]["moves"] or page["moves"]["note"]


def test_ambiguous_rows_carry_candidates_and_the_range_of_their_scores(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("Job title,n\nforklift operator,3\nRoofer,2\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert run("score", str(src), "-o", str(out)).exit_code == 0
    df = pl.read_csv(out, infer_schema=False)
    ap = df.row(0, named=True)
    assert ap["match_status"] == "ambiguous" and "53-7051.00" in ap["match_candidates"]
    lo, hi = (float(x) for x in ap["offshorability_range"].split("-"))
    assert 0 <= lo <= hi <= 1 and ap["offshorability"] is None


def test_review_pick_list_round_trip(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("Job title\nforklift operator\nRoofer\nforklift operator\n", encoding="utf-8")
    review = tmp_path / "open.csv"
    first = run("score", str(src), "--review", str(review), "-o", str(tmp_path / "a.csv"))
    assert first.exit_code == 0 and review.exists()
    picks = pl.read_csv(review, infer_schema=False)
    assert picks["input"].to_list() == ["forklift operator"] and picks["rows"].to_list() == ["1 3"]
    picks.with_columns(code=pl.lit("53-7051.00")).write_csv(review)
    second = run("score", str(src), "--resolved", str(review), "-o", str(tmp_path / "b.csv"))
    assert second.exit_code == 0, second.output
    df = pl.read_csv(tmp_path / "b.csv", infer_schema=False)
    assert df["matched_code"].to_list() == ["53-7051.00", "47-2181.00", "53-7051.00"]
    assert df["match_method"][0] == "picked in the review file"


def test_a_code_column_is_preferred_over_a_title_column(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("ISCO title,ISCO code\nOffice manager,3341\nWarehouse operative,9333\n", encoding="utf-8")
    result = run("score", str(src), "--taxonomy", "isco08", "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0 and "occupations from column 'ISCO code'" in result.output
    df = pl.read_csv(tmp_path / "o.csv", infer_schema=False)
    assert df["matched_code"].to_list() == ["3341", "9333"]


def test_headcount_shares_with_intervals_by_group(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("ISCO code,Headcount,Dept\n2512,10,IT\n9112,30,Facilities\n4311,5,Finance\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    result = run("score", str(src), "--taxonomy", "isco08", "--weight", "Headcount", "--by", "Dept", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Share of the headcount" in result.output
    shares = pl.read_csv(tmp_path / "o.headcount.csv")
    total = shares.filter((pl.col("Dept") == "all") & (pl.col("construct") == "offshorability")).row(0, named=True)
    assert total["headcount"] == 45
    assert total["share_high_lo"] <= total["share_high"] <= total["share_high_hi"]
    it = shares.filter((pl.col("Dept") == "IT") & (pl.col("construct") == "offshorability")).row(0, named=True)
    assert it["share_high"] == 1.0  # software developers are highly offshorable
    bad = run("score", str(src), "--taxonomy", "isco08", "--weight", "Dept")
    assert bad.exit_code == 2 and "must hold headcounts" in bad.output


def test_excel_workbook_has_scores_and_a_data_dictionary(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("Job title\nRoofer\n2512\n", encoding="utf-8")
    out = tmp_path / "o.xlsx"
    result = run("score", str(src), "--excel", "-o", str(out))
    assert result.exit_code == 0, result.output
    scores = pl.read_excel(out, sheet_name="scores")
    meaning = dict(pl.read_excel(out, sheet_name="data dictionary").iter_rows())
    assert scores["matched_code"].to_list() == ["47-2181.00", "2512"]
    assert "percentile" in meaning["offshorability_band"] and meaning["offshorability_lo"]
    again = tmp_path / "p.xlsx"
    run("score", str(src), "--excel", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()  # same inputs, same bytes
    assert run("score", str(src), "--excel").exit_code == 2
