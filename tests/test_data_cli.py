"""`exposure data ...` and `exposure build` on real and deliberately damaged copies."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from exposure.cli import cli

TASKS = "onet/Task Statements.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_import_then_status_and_build(empty_data_dir, shared_data):
    result = run("data", "import", "--from", str(shared_data))
    assert result.exit_code == 0, result.output
    assert "imported onet 29.2 (14 files)" in result.output
    status = run("data", "status")
    assert status.exit_code == 0, status.output
    for text in ("29.2", "1.2.0", "18,796", "1,016", "13,939", "129,004", "3,265", "100.0%"):
        assert text in status.output
    again = run("build")
    assert again.exit_code == 0 and "Crosswalk coverage" in again.output


def test_import_skips_an_absent_release_and_says_so(empty_data_dir, shared_data, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "onet").symlink_to(shared_data / "onet")
    result = run("data", "import", "--from", str(partial))
    assert result.exit_code == 0, result.output
    assert "imported onet 29.2" in result.output
    assert f"skipped esco: not in {partial}" in result.output
    status = run("data", "status", "--release", "onet")
    assert status.exit_code == 0, status.output
    assert "18,796" in status.output and "Crosswalk coverage needs" in status.output


def test_a_changed_file_is_caught_even_with_its_old_timestamp(empty_data_dir, shared_data):
    import os

    assert run("data", "import", "--from", str(shared_data), "--release", "onet").exit_code == 0
    assert run("data", "status", "--release", "onet", "--no-counts").exit_code == 0
    path = empty_data_dir / "raw" / "onet" / "Occupation Data.txt"
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[200] ^= 1
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    result = run("data", "status", "--release", "onet", "--no-counts")
    assert result.exit_code == 1 and "Occupation Data.txt: checksum mismatch" in result.output


def test_imported_and_exported_files_are_readable_by_others(data_dir, tables, tmp_path):
    assert (data_dir / "raw" / "onet" / "Task Statements.txt").stat().st_mode & 0o044 == 0o044
    target = tmp_path / "t.csv"
    assert run("data", "export", "isco08_groups", "-o", str(target)).exit_code == 0
    assert target.stat().st_mode & 0o044 == 0o044


def test_export_refuses_a_target_that_is_not_a_regular_file(data_dir, tmp_path):
    result = run("data", "export", "isco08_groups", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: cannot write {tmp_path}: it is not a regular file"


def test_import_from_a_file_instead_of_a_directory(empty_data_dir, shared_data):
    result = run("data", "import", "--from", str(shared_data / "SOURCE.md"))
    assert result.exit_code == 2 and "not a directory" in result.output


def test_import_from_a_missing_directory(empty_data_dir, tmp_path):
    result = run("data", "import", "--from", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: no such directory: {tmp_path / 'nowhere'}"
    assert files_under(empty_data_dir) == []


def test_import_refuses_a_truncated_file_and_writes_nothing(empty_data_dir, shared_copy):
    path = shared_copy / TASKS
    path.write_bytes(path.read_bytes()[:100_000])
    result = run("data", "import", "--from", str(shared_copy))
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.count("\n") == 0 and "Traceback" not in line
    assert "Task Statements.txt" in line and "truncated (100,000 of 2,740,762 bytes)" in line
    assert "Fix: " in line
    assert files_under(empty_data_dir) == []


def test_import_refuses_a_wrong_header(empty_data_dir, shared_copy):
    path = shared_copy / "esco/occupations_en.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("preferredLabel", "label", 1), encoding="utf-8")
    result = run("data", "import", "--from", str(shared_copy))
    assert result.exit_code == 1
    assert "occupations_en.csv: wrong header" in result.output
    assert files_under(empty_data_dir) == []


def test_import_refuses_another_onet_release(empty_data_dir, shared_copy):
    readme = shared_copy / "onet/Read Me.txt"
    readme.write_text(readme.read_text().replace("O*NET 29.2 Database", "O*NET 28.1 Database"))
    result = run("data", "import", "--from", str(shared_copy), "--release", "onet")
    assert result.exit_code == 1
    assert "other release: it says 'O*NET 28.1 Database', expected 'O*NET 29.2 Database'" in result.output


def test_import_refuses_modified_content(empty_data_dir, shared_copy):
    path = shared_copy / TASKS
    data = path.read_bytes()
    path.write_bytes(data.replace(b"budget", b"budgie", 1))
    result = run("data", "import", "--from", str(shared_copy), "--release", "onet")
    assert result.exit_code == 1 and "checksum mismatch" in result.output


def test_unknown_release(empty_data_dir, shared_data):
    result = run("data", "import", "--from", str(shared_data), "--release", "onet30")
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown release 'onet30'; known releases: onet, esco,")


def test_status_names_a_missing_file_and_the_fix(empty_data_dir, shared_data):
    assert run("data", "import", "--from", str(shared_data), "--release", "isco08").exit_code == 0
    result = run("data", "status", "--no-counts")
    assert result.exit_code == 1
    assert "isco08" in result.output and "ok" in result.output
    assert f"Error: O*NET database 29.2: {empty_data_dir / 'raw' / 'onet' / 'Read Me.txt'}: missing. " \
           "Fix: exposure data import --from DIR" in result.output


def test_build_without_data_says_what_to_run(empty_data_dir):
    result = run("build")
    assert result.exit_code == 1
    assert result.output.startswith("Error: O*NET database 29.2: ")
    assert "missing. Fix: exposure data import --from DIR" in result.output
    assert not (empty_data_dir / "cache").exists() or files_under(empty_data_dir / "cache") == []


def test_export_writes_table_and_manifest(data_dir, tables, tmp_path):
    target = tmp_path / "isco_tasks.csv"
    result = run("data", "export", "tasks", "--only", "isco08", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("taxonomy,task_id,occupation_code,task_text")
    manifest = json.loads((tmp_path / "isco_tasks.csv.manifest.json").read_text())
    assert [r["release"] for r in manifest["releases"]] == ["isco08"]
    assert manifest["rows"] == 3265 and "polars" in manifest["packages"]
    first = target.read_bytes()
    assert run("data", "export", "tasks", "--only", "isco08", "-o", str(target)).exit_code == 0
    assert target.read_bytes() == first


def test_export_rejects_an_unknown_format(data_dir, tmp_path):
    result = run("data", "export", "tasks", "-o", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 2 and "unknown output format 'xlsx'" in result.output
    assert not (tmp_path / "t.xlsx").exists()


def _fake_release(tmp_path: Path, payload: bytes, pinned: bytes):
    from taxonomies.releases import FileSpec, Release

    archive = tmp_path / "pub.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pub/file.txt", payload)
    archive.write_bytes(buf.getvalue())
    spec = FileSpec(
        release="demo", path="demo/file.txt", sha256=hashlib.sha256(pinned).hexdigest(),
        bytes=len(pinned), url=archive.as_uri(), member="pub/file.txt",
    )
    return {"demo": Release("demo", "Demo", "1", "2020", "me", "CC0", "me", files=(spec,))}


def test_pull_downloads_extracts_and_verifies(empty_data_dir, tmp_path, monkeypatch):
    from taxonomies import releases

    monkeypatch.setattr(releases, "releases", lambda: _fake_release(tmp_path, b"a\tb\n", b"a\tb\n"))
    result = run("data", "pull", "--release", "demo")
    assert result.exit_code == 0, result.output
    assert (empty_data_dir / "raw/demo/file.txt").read_bytes() == b"a\tb\n"


def test_pull_refuses_a_different_release_and_writes_nothing(empty_data_dir, tmp_path, monkeypatch):
    from taxonomies import releases

    monkeypatch.setattr(releases, "releases", lambda: _fake_release(tmp_path, b"new\n", b"old\n"))
    result = run("data", "pull", "--release", "demo")
    assert result.exit_code == 1
    assert "the publisher now serves another release; nothing was written" in result.output
    assert files_under(empty_data_dir) == []


def test_pull_of_esco_explains_the_manual_download(empty_data_dir):
    result = run("data", "pull", "--release", "esco")
    assert result.exit_code == 1
    assert "download form" in result.output and "exposure data import --from DIR" in result.output


def test_bare_command_shows_help():
    result = CliRunner().invoke(cli, [], prog_name="exposure")
    assert result.exit_code == 0 and "Usage: exposure [OPTIONS] [COMMAND]" in result.output and "evaluate" in result.output


@pytest.mark.parametrize(
    "command",
    [[], ["data"], ["data", "pull"], ["data", "import"], ["data", "status"], ["data", "export"], ["build"],
     ["score"], ["tasks"], ["evaluate"]],
)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
