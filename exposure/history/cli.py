"""``exposure history``: the O*NET release history (13.0 to 29.2) on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click
import polars as pl

from exposure.clitools import ExposureGroup, err, model_option, out, print_frame, progress_bar, reporter
from exposure.errors import InputError


@click.group(cls=ExposureGroup)
def history() -> None:
    """How O*NET occupations' task content and technology changed from release 13.0
    (2008) to 29.2 (2025), scored with one model.

    \b
    Example:
        exposure history build -o outputs/history
        exposure history show 43-9021.00
    """


def _history(model_path: str | None, rebuild: bool = False):
    from exposure.history import history as build

    with progress_bar() as bar:
        return build(model_path, rebuild=rebuild, progress=reporter(bar, "history"))


@history.command("build")
@click.option("-o", "--output", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=Path("outputs/history"), show_default=True, help="Folder for the CSV files.")
@click.option("--rebuild", is_flag=True, help="Recompute the trajectories even if cached.")
@model_option
def build_cmd(folder: Path, rebuild: bool, model_path: str | None) -> None:
    """Write every occupation's trajectory across the 14 releases (CSV + manifests), the
    identities moving fastest toward generic screen work, re-survey counts and the checks
    of the first-look figures.

    \b
    Example:
        exposure history build -o outputs/history
    """
    from exposure.history.outputs import dissolving, first_look, write_outputs

    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write to {folder}: it is not a folder")
    h = _history(model_path, rebuild)
    written = write_outputs(folder, h, model_path)
    top = dissolving(h, 10)
    screen = h.meta["history"]["screen_construct"]
    print_frame(f"Moving fastest toward generic screen work ({screen}, content, first list -> 29.2)",
                top.select("rank", "onet_code", "title", "first_release", f"{screen}_first", f"{screen}_last",
                           f"{screen}_change", "n_resurveys", "employment"))
    print_frame("First-look figures, measured", first_look(h))
    for path in written:
        err.print(f"wrote {path}")


@history.command("show")
@click.argument("query", metavar="TITLE_OR_CODE")
@click.option("--json", "as_json", is_flag=True, help="Print the trajectory as JSON.")
@model_option
def show_cmd(query: str, as_json: bool, model_path: str | None) -> None:
    """One O*NET occupation's trajectory: release by release, whether it was re-surveyed,
    tasks added, removed and reworded, its scores, and the tasks that appeared and left.

    \b
    Example:
        exposure history show 43-9021.00
        exposure history show "bookkeeping clerk" --json
    """
    from exposure.history.outputs import trajectory_line
    from exposure.match import resolve

    query = query.strip()
    if not query:
        raise InputError("give an O*NET occupation title or code")
    match = resolve([query], "onet").row(0, named=True)
    if match["match_status"] != "matched" or match["matched_taxonomy"] != "onet":
        raise InputError(f"no single O*NET occupation matches {query!r}; give an O*NET-SOC code such as 43-9021.00")
    code = match["matched_code"]
    h = _history(model_path)
    line = trajectory_line(h, code)
    if line is None:
        raise InputError(f"O*NET {code} has no task list in 29.2, so it has no trajectory")
    if as_json:
        click.echo(json.dumps({"onet_code": code, "title": match["matched_title"], **line}, indent=2,
                              ensure_ascii=False))
        return
    out.print(f"[bold]{match['matched_title']}[/] ({code})")
    out.print(line["line"])
    screen = line["construct"]
    print_frame("Release by release (content scores: rewording matched out)",
                pl.DataFrame(line["releases"]).select(*dict.fromkeys((
                    "release", "release_year", "status", "n_tasks", "n_added", "n_removed", "n_reworded", screen,
                    "offshorability", "e_skill_share_technology"))))
    for key, title in (("appeared", "Tasks that appeared"), ("disappeared", "Tasks that disappeared")):
        n = line[f"n_{key}"]
        shown = line[key]
        out.print(f"[bold]{title}[/] ({n}{', first ' + str(len(shown)) if n > len(shown) else ''}):")
        for t in shown:
            out.print(f"  - {t}")
        if not shown:
            out.print("  none")
