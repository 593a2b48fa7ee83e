"""The ``exposure`` command line: a thin layer over the library.

Each command parses its options, calls one library function and formats the result.
Library errors (:class:`~exposure.errors.ExposureError`) become a one-line ``Error: ...``
on stderr: exit 2 for unusable input, 1 for a failure of the work. No traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from exposure import __version__
from exposure.errors import ExposureError, InputError

err = Console(stderr=True)
out = Console()


class ExposureGroup(click.Group):
    """A click group that turns library errors into one-line messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ExposureError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2 if isinstance(exc, InputError) else 1)
        except KeyboardInterrupt:
            click.echo("Interrupted; nothing half-written was left behind.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback on request
            if os.environ.get("EXPOSURE_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}). "
                "Run again with EXPOSURE_DEBUG=1 for the traceback and report it.",
                err=True,
            )
            ctx.exit(1)


def progress_bar(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


@click.group(cls=ExposureGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exposure")
def cli() -> None:
    """Score how exposed occupations are to offshoring, task by task, over O*NET,
    ISCO-08 and ESCO.

    \b
    Example:
        exposure data import --from ../shared/data
        exposure build
    """


# --- data ----------------------------------------------------------------------------------

release_option = click.option(
    "--release", "names", multiple=True, metavar="NAME",
    help="Only this release (repeatable): onet, esco, isco08, soc_crosswalks, "
    "nesta_crosswalk, oews, ilostat. Default: all.",
)


@cli.group(cls=ExposureGroup)
def data() -> None:
    """Fetch, import and check the pinned data releases.

    \b
    Example:
        exposure data import --from ../shared/data
        exposure data status
    """


@data.command("pull")
@release_option
def data_pull(names: tuple[str, ...]) -> None:
    """Download the pinned releases from their publishers and verify their checksums.

    ESCO has no direct download URL: get its CSV bundle by hand and use `data import`.

    \b
    Example:
        exposure data pull --release onet --release isco08
    """
    from taxonomies import releases, sources

    with progress_bar() as bar:
        task = bar.add_task("downloading", total=None)
        done = releases.pull(names, progress=lambda url: bar.update(task, description=url))
    sources.clear()
    for r in done:
        out.print(f"pulled {r.name} {r.version}")
    skipped = [r for r in releases.select(names) if r not in done]
    for r in skipped:
        out.print(f"skipped {r.name}: {r.notes}")


@data.command("import")
@click.option("--from", "source", required=True, type=click.Path(path_type=Path),
              help="A folder laid out like ../shared/data (onet/, esco/, isco/, ...).")
@release_option
def data_import(source: Path, names: tuple[str, ...]) -> None:
    """Import the pinned releases from a local copy, checking every file first.

    \b
    Example:
        exposure data import --from ../shared/data
    """
    from exposure.config import raw_dir
    from taxonomies import releases, sources

    n_files = sum(len(r.files) for r in releases.select(names))
    with progress_bar() as bar:
        task = bar.add_task("importing", total=n_files)
        done = releases.import_from(
            source, names, progress=lambda path: bar.update(task, advance=1, description=path)
        )
    sources.clear()
    for r in done:
        out.print(f"imported {r.name} {r.version} ({len(r.files)} files) into {raw_dir()}")


@data.command("status")
@release_option
@click.option("--counts/--no-counts", default=True, show_default=True,
              help="Also show row counts and crosswalk coverage (builds the tables if needed).")
def data_status(names: tuple[str, ...], counts: bool) -> None:
    """List each release: present or missing, version, checksum verdict, row counts.

    Exits with 1 when a release is missing or damaged.

    \b
    Example:
        exposure data status --release onet
    """
    from taxonomies import releases

    table = Table(title="Data releases", title_justify="left")
    for col in ("release", "version", "state", "files", "problem"):
        table.add_column(col)
    problems = []
    for r in releases.select(names):
        checks = releases.check_release(r)
        bad = [c for c in checks if not c.ok]
        missing = all(c.problem == "missing" for c in checks)
        state = "missing" if missing else ("ok" if not bad else "damaged")
        first = "" if not bad else f"{bad[0].spec.path}: {bad[0].problem}"
        style = {"ok": "green", "missing": "yellow", "damaged": "red"}[state]
        table.add_row(r.name, r.version, f"[{style}]{state}[/]", f"{len(checks) - len(bad)}/{len(checks)}", first)
        if bad:
            problems.append((r, bad[0]))
    out.print(table)
    if problems:
        for r, c in problems:
            click.echo(f"Error: {releases.describe(c, r)}. Fix: {r.fix_hint()}", err=True)
        sys.exit(1)
    if counts:
        _print_counts(names)


def _print_counts(names: tuple[str, ...] = ()) -> None:
    from taxonomies import releases, summary

    counts = summary.release_counts()
    table = Table(title="Canonical tables", title_justify="left")
    for col in ("release", "what", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for r in releases.select(names):
        for i, (label, n) in enumerate(counts.get(r.name, [])):
            table.add_row(f"{r.name} {r.version}" if i == 0 else "", label, f"{n:,}")
    out.print(table)
    cov = Table(title="Crosswalk coverage", title_justify="left")
    for col in ("link", "reached", "of", "share"):
        cov.add_column(col, justify="left" if col == "link" else "right")
    for link, reached, of, share in summary.coverage().iter_rows():
        cov.add_row(link, f"{reached:,}", f"{of:,}", f"{share:.1%}")
    out.print(cov)


@data.command("export")
@click.argument("table_name", metavar="TABLE")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Output file; .csv, .parquet or .json.")
@click.option("--only", metavar="PART", help="One part of the table, e.g. onet or esco.")
def data_export(table_name: str, output: Path, only: str | None) -> None:
    """Write one canonical table (occupations, tasks, task_activities, isco08_groups,
    skills, occupation_skills, crosswalk, employment_us, employment_ilostat).

    \b
    Example:
        exposure data export tasks --only isco08 -o outputs/isco_tasks.csv
    """
    from exposure.io import write_table
    from exposure.manifest import write_manifest
    from taxonomies import load
    from taxonomies.registry import parts_of

    df = load(table_name, only=only)
    write_table(df, output)
    releases_used = sorted({r for p in parts_of(table_name) if only in (None, p.name) for r in p.releases})
    write_manifest(output, releases=releases_used, table=table_name, part=only, rows=df.height)
    out.print(f"wrote {df.height:,} rows to {output}")


# --- build -------------------------------------------------------------------------------


@cli.command("build")
def build() -> None:
    """Build every canonical table from the imported releases and print a summary.

    Tables are cached as Parquet under data/cache/, keyed by release checksums; a second
    run reads them back.

    \b
    Example:
        exposure build
    """
    from taxonomies.registry import PARTS, build_all

    with progress_bar() as bar:
        task = bar.add_task("building tables", total=len(PARTS))
        build_all(lambda part: bar.update(task, advance=1, description=f"{part.table} ({part.name})"))
    _print_counts()


def main() -> None:
    cli(prog_name="exposure")


if __name__ == "__main__":
    main()
