"""Every command's --help Example block runs as written, on the real data, in a temporary
folder. Examples that read a file are run only when the file is one this test writes first
(see FILES)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from exposure.cli import cli

pytestmark = pytest.mark.slow

# input files that examples name, written by this test before they run
FILES = {"staff.csv": "Job title,Department\nRoofer,Site\nbookkeeper,Finance\n2512,IT\n"}
# examples that need the network or rewrite the shared data are not run here
SKIP = ("data pull", "data import", "exposure run", "exposure build", "exposure report")


def examples() -> list[str]:
    found = []

    def walk(cmd: click.Command, ctx: click.Context) -> None:
        text = cmd.get_help(ctx)
        if "Example:" in text:
            block = text.split("Example:", 1)[1].splitlines()[1:]
            for line in block:
                if not line.strip():
                    break
                found.append(line.strip())
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                walk(sub, click.Context(sub, info_name=name, parent=ctx))

    walk(cli, click.Context(cli, info_name="exposure"))
    return sorted(set(found))


@pytest.mark.parametrize("example", examples())
def test_help_example_runs(scored, data_dir, tmp_path, example):
    if any(s in example for s in SKIP):
        pytest.skip("needs the network or rebuilds the shared data")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = [w for w in shlex.split(example.replace("|", " ")) if "." in w and not w.startswith("-")
             and w.endswith((".csv", ".txt", ".tsv")) and "/" not in w and w not in FILES and "scored" not in w]
    if names:
        pytest.skip(f"reads {names[0]}, which this test does not write")
    (tmp_path / "outputs").mkdir()
    exe = str(Path(sys.executable).parent / "exposure")
    result = subprocess.run(["bash", "-c", example.replace("exposure ", f"{exe} ")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{example}\n{result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr
