"""Robust by construction (issue 12): every bad input a one-line error with the right exit
code, no input lost, outputs never half-written, one cache helper, one run context, a
layering in which the data layer knows nothing of ``exposure``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure.batch import parse
from exposure.errors import ExposureError, InputError

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, input: bytes | str | None = None):
    from exposure.cli import cli

    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False, prog_name="exposure")


def error_line(result) -> str:
    """The single line on standard error of a failed command."""
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- the list reader: no input lost --------------------------------------------------------


def test_an_unclosed_quote_is_an_error_not_merged_rows():
    data = b'title,team\nRoofers,"ops\nCashiers,sales\n2512,it\nSoftware Developers,web\n'
    with pytest.raises(InputError, match=r'the quote \(\"\) opened on line 2 is never closed'):
        parse(data, "staff.csv")


def test_a_table_on_standard_input_without_an_occupation_header_is_not_read_as_a_list():
    with pytest.raises(InputError, match="which column holds the occupations"):
        parse(b"name,dept\nRoofer,IT\nCashier,Sales\n", "standard input")
    df, col = parse(b"name,dept\nRoofer,IT\nCashier,Sales\n", "standard input", column="name")
    assert df[col].to_list() == ["Roofer", "Cashier"]  # the header is a header, not a row


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_cr_only_and_mixed_line_endings_are_read(ending):
    df, col = parse(b"id;Beruf" + ending + b"1;Roofers\r2;2512\r\n3;Cashiers" + ending, "export.csv")
    assert col == "Beruf" and df[col].to_list() == ["Roofers", "2512", "Cashiers"]
    assert df["id"].to_list() == ["1", "2", "3"]
    plain, _ = parse(b"Roofers\r2512\r\nCashiers\n", "list.txt")
    assert plain["input"].to_list() == ["Roofers", "2512", "Cashiers"]


def test_nul_bytes_anywhere_are_rejected():
    late = b"title\n" + b"Roofers\n" * 20_000 + b"Cash\x00iers\n"
    assert len(late) > 65536
    with pytest.raises(InputError, match="is not a text file .it contains NUL bytes."):
        parse(late, "big.csv")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbf", "only_bom.csv is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "only_bom.csv is empty"),
        (b",,,\n,,\n;;\n", "only_bom.csv has no occupations: every cell is empty"),
        (b"\xff\xfeR\x00o\x00o", "only_bom.csv is not valid UTF-16"),
    ],
)
def test_degenerate_files_are_one_line_input_errors(data, message):
    with pytest.raises(InputError, match=message):
        parse(data, "only_bom.csv")


def test_a_binary_file_error_is_short_and_printable():
    blob = bytes(range(128, 256)) * 40  # not UTF-8, mostly undefined or odd in Windows-1252, no NUL
    with pytest.raises(InputError) as info:
        parse(blob, "photo.csv")
    message = str(info.value)
    assert len(message) < 200 and "\n" not in message and message.isprintable()


# --- outputs -----------------------------------------------------------------------------


def test_csv_header_cells_cannot_run_as_formulas():
    from exposure.io import csv_safe

    text = csv_safe(pl.DataFrame({"=HYPERLINK(\"x\")": ["a"], "-5": ["1"], "@x": ["b"]})).write_csv()
    header = next(csv.reader([text.splitlines()[0]]))
    assert header == ["'=HYPERLINK(\"x\")", "-5", "'@x"]


def test_a_manifest_that_cannot_be_written_leaves_no_table(tmp_path):
    from exposure.manifest import write_with_manifest

    (tmp_path / "out.csv.manifest.json").mkdir()  # the manifest's name is taken by a folder
    with pytest.raises(ExposureError):
        write_with_manifest(pl.DataFrame({"a": [1]}), tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv.manifest.json"]


def test_the_manifest_records_the_output_it_describes(tmp_path):
    import hashlib

    from exposure.manifest import write_with_manifest

    out = write_with_manifest(pl.DataFrame({"a": [1, 2]}), tmp_path / "out.csv")
    manifest = json.loads((tmp_path / "out.csv.manifest.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_output_paths_are_checked_before_any_work(tmp_path):
    src = tmp_path / "staff.csv"
    src.write_text("title\nRoofers\n")
    same = run("score", str(src), "-o", str(src))
    assert same.exit_code == 2
    assert error_line(same) == f"Error: the output {src} is the input file; give another file name with -o"
    assert src.read_text() == "title\nRoofers\n"
    folder = run("score", str(src), "-o", f"{tmp_path}/newdir/")
    assert folder.exit_code == 2 and "a name ending in / is a folder" in error_line(folder)
    assert not (tmp_path / "newdir").exists()


def test_usage_errors_are_one_line():
    result = run("score", "--no-such-option")
    assert result.exit_code == 2
    assert error_line(result) == "Error: No such option '--no-such-option'. (see: exposure score --help)"
    missing = run("score")
    assert missing.exit_code == 2 and error_line(missing).startswith("Error: nothing to score")


# --- structure ---------------------------------------------------------------------------


def fresh_python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter on this checkout (nothing imported yet)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}).stdout.strip()


def test_the_data_layer_imports_nothing_of_exposure():
    assert fresh_python("import sys, taxonomies, taxonomies.registry, taxonomies.releases, taxonomies.cache; "
                        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'exposure'))") == "[]"


def test_importing_the_package_does_not_touch_the_umask():
    assert fresh_python("import os; calls = []; real = os.umask; os.umask = lambda m: calls.append(m) or real(m); "
                        "import exposure.cli, exposure.io, exposure.manifest, exposure.run, exposure.report.build; "
                        "print(calls)") == "[]"


def test_constants_are_defined_once():
    from exposure import batch, corpus, run
    from exposure.graph import build, eskills, transitions
    from exposure.history import trajectories
    from exposure.report import graphview, tables
    from exposure.scoring import codebook, occupations, pipeline

    assert build.CONSTRUCTS is codebook.CONSTRUCTS and not hasattr(build, "SCORE_COLUMNS")
    assert batch.SCORE_COLUMNS is occupations.BOUNDS and tables.BOUNDS is occupations.BOUNDS
    assert (graphview.OCC, graphview.SKILL) == (build.OCC, build.SKILL)
    assert transitions.Embedder is eskills.Embedder
    assert run.Progress is pipeline.Progress is trajectories.Progress is corpus.Progress
    # each name of a set of taxonomies means one thing
    assert build.GRAPH_TAXONOMIES == ("esco", "onet") and not hasattr(build, "TAXONOMIES")


def test_the_run_context_sets_the_data_folder_and_model(tmp_path):
    from exposure.config import cache_dir
    from exposure.context import RunContext, current, use

    outside = cache_dir()
    with use(RunContext(data_dir=tmp_path, model_path=str(tmp_path / "m"))):
        assert cache_dir() == tmp_path.resolve() / "cache"
        assert current().model_path == str(tmp_path / "m")
    assert cache_dir() == outside and current().model_path is None


# --- the one cache -----------------------------------------------------------------------


def test_cache_keys_cover_whole_packages(tmp_path, monkeypatch):
    from taxonomies.cache import source_digest

    pkg = tmp_path / "fakepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("A = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = source_digest("fakepkg")
    (pkg / "new_module.py").write_text("B = 2\n")  # a module no hand-kept list would name
    source_digest.cache_clear()
    assert source_digest("fakepkg") != before


def test_cache_entries_verify_heal_and_prune(tmp_path, monkeypatch, capsys):
    from taxonomies.cache import Entry

    monkeypatch.setenv("EXPOSURE_DATA_DIR", str(tmp_path))
    df = pl.DataFrame({"x": list(range(1000))})
    old = Entry("tables", "demo", "k1")
    assert old.write_parquet("t.parquet", df)
    assert old.read_parquet("t.parquet").equals(df)
    path = old.path("t.parquet")
    path.write_bytes(path.read_bytes()[:100])  # truncated
    assert old.read_parquet("t.parquet") is None
    assert f"Warning: the cache file {path} is damaged" in capsys.readouterr().err
    assert not path.exists()
    for key in ("k1", "k2", "k3"):  # one rule: the newest entry and the one used before it are kept
        Entry("tables", "demo", key).write_parquet("t.parquet", df)
        os.utime(Entry("tables", "demo", key).folder, (1e9 + int(key[1]), 1e9 + int(key[1])))
    assert sorted(p.name for p in (tmp_path / "cache" / "tables").iterdir()) == ["demo-k2", "demo-k3"]


# --- property tests: the list reader and `exposure score` -----------------------------------

CELL = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), max_codepoint=0x2FFF)
               | st.sampled_from([" ", '"', ",", ";", "\t", "\n", "'", "=", "é", "ß"]), max_size=14)
OCCUPATION = st.sampled_from(["Roofers", "2512", "15-1252.00", "Cashiers", "registered nurse", "0110",
                              "=SUM(1)", "zzz qqq", "Software Developers"]) | CELL.filter(lambda s: s.strip())
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]


def render(records: list[tuple[str, str]], delimiter: str, ending: str, encoding: str) -> bytes | None:
    buf = io.StringIO()
    # Python's writer quotes a cell with a line break only if the break is in its line
    # terminator; a spreadsheet quotes every such cell
    multiline = any("\n" in cell or "\r" in cell for r in records for cell in r)
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=ending,
                        quoting=csv.QUOTE_ALL if multiline else csv.QUOTE_MINIMAL)
    writer.writerow(["occupation", "note"])
    writer.writerows(records)
    text = buf.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return None
    if encoding == "cp1252":  # bytes that are also valid UTF-8 are read as UTF-8, rightly
        try:
            return None if data.decode("utf-8") != text else data
        except UnicodeDecodeError:
            pass
    return data


TABLES = st.tuples(
    st.lists(st.tuples(OCCUPATION, CELL.filter(lambda s: "\r" not in s)), min_size=1, max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(ENCODINGS),
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(TABLES)
def test_property_the_reader_returns_every_record(table):
    records, delimiter, ending, encoding = table
    records = [(o, n) for o, n in records if "\r" not in o]
    data = render(records, delimiter, ending, encoding)
    if data is None or not records:
        return
    try:
        df, col = parse(data, "input.csv")
    except InputError as exc:  # only quoting the writer cannot express for this reader
        assert "\n" not in str(exc)
        pytest.fail(f"a well-formed CSV was refused: {exc}")
    assert col == "occupation"
    assert df.rows() == [tuple(r) for r in records]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.binary(max_size=400), st.sampled_from(["x.csv", "x.txt", "standard input", "x.tsv"]))
def test_property_random_bytes_give_rows_or_one_line_error(data, name):
    try:
        df, col = parse(data, name)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and message.isprintable() and len(message) < 400
        return
    assert df.height >= 1 and col in df.columns


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(CELL, min_size=1, max_size=8), st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=8, max_size=8))
def test_property_plain_lists_keep_every_line(lines, endings):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    data = "".join(line + end for line, end in zip(lines, endings)).encode("utf-8")
    expected = [line.strip() for line in lines if line.strip()]
    try:
        df, _ = parse(data, "list", table=False)
    except InputError as exc:
        assert not expected and "is empty" in str(exc)
        return
    assert df["input"].to_list() == expected


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=TABLES, noise=st.binary(max_size=200), use_noise=st.booleans())
def test_property_score_command_rows_or_one_line_error(scored, table, noise, use_noise):
    records, delimiter, ending, encoding = table
    records = [(o, n) for o, n in records if "\r" not in o]
    data = noise if use_noise else render(records, delimiter, ending, encoding)
    if data is None or not records:
        return
    result = run("score", "-", input=data)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if result.exit_code != 0:
        assert result.exit_code == 2
        error_line(result)
        if not use_noise:  # a well-formed table is refused only when nothing in it matched
            assert "matched an occupation; nothing written" in result.stderr
        return
    from exposure.sheets import dialect

    rows, col = parse(data, "standard input")
    expected = rows.height
    # a table comes back in its own delimiter and encoding (UTF-8 without BOM in a pipe); a list as CSV
    delimiter, encoding = dialect(data) if col != "input" else (",", "utf-8")
    text = result.stdout_bytes.decode("utf-8" if encoding == "utf-8-sig" else encoding)
    out = pl.read_csv(io.StringIO(text), separator=delimiter, infer_schema=False)
    assert out.height == expected
    if not use_noise:
        assert out.height == len(records)
