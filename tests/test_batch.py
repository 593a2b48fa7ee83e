"""Scoring a user's list: input formats, matching, scores, spreadsheet-safe CSV, bad input."""

from __future__ import annotations

import io

import polars as pl
import pytest
from click.testing import CliRunner

from exposure.batch import parse
from exposure.cli import cli
from exposure.errors import InputError
from exposure.match import resolve

pytestmark = pytest.mark.slow


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_codes_of_every_taxonomy_resolve(tables):
    got = resolve(["15-1252.00", "15-1252", "2512", "2654.1.7",
                   "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34", "99-9999.00", "9999"])
    assert got.select("match_status", "matched_taxonomy", "matched_code").rows() == [
        ("matched", "onet", "15-1252.00"),
        ("matched", "onet", "15-1252.00"),
        ("matched", "isco08", "2512"),
        ("matched", "esco", "2654.1.7"),
        ("matched", "esco", "2654.1.7"),
        ("unmatched", None, None),
        ("unmatched", None, None),
    ]


def test_soc_2010_codes_reach_onet_through_the_bls_crosswalk(tables):
    # 15-1132 (Software Developers, Applications) exists only in SOC 2010
    got = resolve(["15-1132"]).row(0, named=True)
    assert got["matched_code"] == "15-1252.00" and got["match_status"] == "matched"


def test_titles_match_exactly_by_similarity_or_are_flagged(tables):
    got = resolve(["Software Developer", "registered nurse", "accounts payable clerk", "Softwareentwickler",
                   "zzzz qqqq"])
    rows = got.select("match_status", "matched_code").rows()
    assert rows[0] == ("matched", "15-1252.00")
    assert rows[1] == ("matched", "29-1141.00")
    # two O*NET clerk groups have it as an alternate title; only bookkeeping clerks reported it
    assert rows[2] == ("matched", "43-3031.00") and got["runner_up_code"][2] == "43-3021.00"
    assert rows[3] == ("unmatched", None)  # a German title: reported, not guessed
    assert rows[4][0] == "unmatched"


def test_score_a_csv_keeps_every_row_and_column(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text('id,Job title,team\n1,Software Developer,web\n2,zzzz qqqq,x\n3,43-9021.00,ops\n', encoding="utf-8")
    target = tmp_path / "out.csv"
    result = run("score", str(src), "--column", "Job title", "-o", str(target))
    assert result.exit_code == 0, result.output
    df = pl.read_csv(target, infer_schema=False)
    assert df["id"].to_list() == ["1", "2", "3"] and df["team"].to_list() == ["web", "x", "ops"]
    assert df["match_status"].to_list() == ["matched", "unmatched", "matched"]
    assert df["offshorability"][1] is None and float(df["offshorability"][2]) > 0.5
    assert {"offshorability_lo", "offshorability_hi", "identity_dissolution"} <= set(df.columns)
    assert "3 rows (occupations from column 'Job title'): 2 matched, 0 ambiguous, 1 unmatched" in result.output


def test_plain_list_from_stdin_as_json(scored):
    result = run("score", "-", "--format", "json", input="2512\n\nRoofers\n")
    assert result.exit_code == 0, result.output
    rows = pl.read_json(io.StringIO(result.stdout))
    assert rows["input"].to_list() == ["2512", "Roofers"]
    assert rows["matched_code"].to_list() == ["2512", "47-2181.00"]


def test_excel_export_with_semicolons_bom_and_cp1252(scored, tmp_path):
    src = tmp_path / "export.csv"
    src.write_bytes("Beruf;Land\r\nRoofers;Österreich\r\n".encode("cp1252"))
    result = run("score", str(src), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.output
    # the output opens as the input did: ";"-separated Windows-1252
    out = pl.read_csv(tmp_path / "o.csv", infer_schema=False, separator=";", encoding="windows-1252")
    assert out["Land"].to_list() == ["Österreich"] and out["matched_code"].to_list() == ["47-2181.00"]


def test_csv_cells_cannot_run_as_formulas(scored, tmp_path):
    src = tmp_path / "evil.csv"
    src.write_text('title,note\nRoofers,=HYPERLINK("http://x")\n@SUM(1),-2+3\nRoofers,-5\n', encoding="utf-8")
    target = tmp_path / "o.csv"
    assert run("score", str(src), "--column", "title", "-o", str(target)).exit_code == 0
    text = target.read_text()
    for cell in ('=HYPERLINK', '@SUM(1)', '-2+3'):
        assert f",{cell}" not in text and f"\n{cell}" not in text
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and "'-2+3" in text
    assert ",-5," in text  # a plain number passes through unchanged


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "is empty"),
        (b"\x00\x01\x02binary\x00", "blob.csv", "is not a text file"),
        (b"a,b\n" + b"x" * 20_000 + b",1\n", "huge.csv", "line 2 is longer than 10,000 characters"),
        (b"a,b\n1,2\n", "two.csv", "which column holds the occupations (none is named like one)? Use --column"),
        (b"job title,previous job title\nRoofers,x\n", "both.csv",
         "which column holds the occupations (job title, previous job title all could)"),
        (bytes(range(1, 200)) * 50, "noise.csv", "is not a text file"),
        (b"title\n", "header_only.csv", "has a header but no rows"),
        (b"zzzz qqqq\n99-9999.00\n", "nothing.txt", "none of the 2 rows of"),
    ],
)
def test_bad_input_files_give_one_line_errors(scored, tmp_path, content, name, message):
    src = tmp_path / name
    src.write_bytes(content)
    target = tmp_path / "o.csv"
    result = run("score", str(src), "-o", str(target))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output
    assert not target.exists()


def test_wrong_column_and_missing_file(scored, tmp_path):
    src = tmp_path / "s.csv"
    src.write_text("title\nRoofers\n")
    result = run("score", str(src), "--column", "job")
    assert result.exit_code == 2 and "no column 'job'; columns: title" in result.output
    result = run("score", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "no such file" in result.output


def test_a_csv_on_standard_input_is_read_with_its_header(scored):
    result = run("score", "-", input="job title,n\nRoofers,1\n2512,2\n")
    assert result.exit_code == 0, result.output
    df = pl.read_csv(io.StringIO(result.stdout), infer_schema=False)
    assert df["job title"].to_list() == ["Roofers", "2512"] and df["n"].to_list() == ["1", "2"]
    assert "occupations from column 'job title'" in result.output


def test_a_headerless_one_column_csv_keeps_its_first_row(scored, tmp_path):
    src = tmp_path / "list.csv"
    src.write_text("Roofers\nCashiers\n2512\n")
    result = run("score", str(src), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.output
    assert pl.read_csv(tmp_path / "o.csv", infer_schema=False)["input"].to_list() == ["Roofers", "Cashiers", "2512"]


def test_the_occupation_column_is_chosen_by_its_name(scored, tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("name,postcode,job\nAna,1010,Roofers\n")
    result = run("score", str(src), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0 and "occupations from column 'job'" in result.output


def test_excel_unicode_text_export_is_read(scored, tmp_path):
    src = tmp_path / "export.tsv"
    src.write_bytes("Beruf\tOrt\nRoofers\tWien\n".encode("utf-16"))
    result = run("score", str(src), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.output
    out = pl.read_csv(tmp_path / "o.csv", infer_schema=False, separator="\t")  # tab-separated, as the input
    assert out["matched_code"].to_list() == ["47-2181.00"]


def test_one_word_titles_need_more_than_an_alternate_title(tables):
    got = resolve(["owner", "sales", "plumber", "nurse", "customer service representative", "110", "2512.0"])
    rows = got.select("match_status", "matched_code").rows()
    assert rows[0][0] == "unmatched" and rows[1][0] == "unmatched"  # alternate titles of unrelated jobs
    assert rows[2] == ("matched", "47-2152.00") and rows[3] == ("matched", "29-1141.00")
    assert rows[4] == ("matched", "43-4051.00")  # the official title, plural aside
    assert rows[5] == ("matched", "0110") and rows[6] == ("matched", "2512")  # spreadsheet-mangled ISCO codes


def test_parse_plain_list_skips_blank_lines():
    df, col = parse(b"Roofers\n\n  2512  \n", "list.txt")
    assert col == "input" and df["input"].to_list() == ["Roofers", "2512"]


def test_parse_refuses_ragged_rows():
    with pytest.raises(InputError, match="more cells than the header"):
        parse(b"title\nRoofers,extra\n", "x.csv")
