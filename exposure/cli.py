"""The ``exposure`` command line: a thin layer over the library.

Each command parses its options, calls one library function and formats the result.
Library errors (:class:`~exposure.errors.ExposureError`) become a one-line ``Error: ...``
on stderr: exit 2 for unusable input, 1 for a failure of the work. No traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import polars as pl
from rich.progress import Progress
from rich.table import Table

from exposure import __version__
from exposure.clitools import ExposureGroup, emit, err, out, print_frame, progress_bar
from exposure.errors import InputError
from exposure.graph.cli import graph


@click.group(cls=ExposureGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exposure")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Score how exposed occupations are to offshoring, task by task, over O*NET,
    ISCO-08 and ESCO.

    \b
    Example:
        exposure data import --from ../shared/data
        exposure build
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


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
        done, skipped = releases.import_from(
            source, names, progress=lambda path: bar.update(task, advance=1, description=path)
        )
    sources.clear()
    for r in done:
        out.print(f"imported {r.name} {r.version} ({len(r.files)} files) into {raw_dir()}")
    for r in skipped:
        out.print(f"skipped {r.name}: not in {source}")


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

    chosen = releases.select(names)
    counts = summary.release_counts([r.name for r in chosen])
    table = Table(title="Canonical tables", title_justify="left")
    for col in ("release", "what", "rows"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for r in chosen:
        for i, (label, n) in enumerate(counts[r.name]):
            table.add_row(f"{r.name} {r.version}" if i == 0 else "", label, f"{n:,}")
    out.print(table)
    if not all(all(c.ok for c in releases.check_release(releases.releases()[n])) for n in summary.COVERAGE_RELEASES):
        out.print("Crosswalk coverage needs onet, esco, isco08, soc_crosswalks and nesta_crosswalk.")
        return
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
    from taxonomies import load
    from taxonomies.registry import parts_of

    df = load(table_name, only=only)
    releases_used = sorted({r for p in parts_of(table_name) if only in (None, p.name) for r in p.releases})
    emit(df, output, releases=releases_used, table=table_name, part=only, rows=df.height)


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


# --- scoring -----------------------------------------------------------------------------

model_option = click.option(
    "--model", "model_path", type=click.Path(exists=True, file_okay=False), default=None,
    help="A local sentence-transformers folder (default: the bundled all-MiniLM-L6-v2).",
)
output_options = [
    click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                 help="Output file (.csv, .parquet, .json); default: CSV on standard output."),
    click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default=None,
                 help="Output format; default: from the file name, else csv."),
]


def with_output(f):
    for option in reversed(output_options):
        f = option(f)
    return f


def _scores(model_path: str | None, rebuild: bool = False):
    from exposure.scoring.pipeline import scores

    with progress_bar() as bar:
        return scores(model_path, rebuild=rebuild, progress=_reporter(bar))


def _reporter(bar: Progress):
    task = bar.add_task("scoring", total=None)

    def report(label: str, done: int, total: int) -> None:
        bar.update(task, description=label, completed=done, total=total)

    return report


@cli.command("run")
@click.option("-o", "--output", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=Path("outputs"), show_default=True, help="Folder for the results.")
@model_option
def run_cmd(folder: Path, model_path: str | None) -> None:
    """The main job: build the tables, score every task and occupation of O*NET, ISCO-08 and
    ESCO, validate, build the skill graphs, and write everything (CSV + manifests) and the
    analyst report to one folder.

    \b
    Example:
        exposure run -o outputs
    """
    from exposure.run import run

    with progress_bar() as bar:
        written = run(folder, model_path, progress=_reporter(bar))
    for path in written[:-1]:
        out.print(f"wrote {path}")
    out.print(f"results in {folder.resolve()}")
    out.print(f"report: {written[-1].resolve()}")


@cli.command("score")
@click.argument("source", required=False, metavar="[FILE|-]")
@click.option("--taxonomy", type=click.Choice(["onet", "isco08", "esco"]), default="onet", show_default=True,
              help="With --all: the taxonomy to score. With a list: where free-text titles are looked up.")
@click.option("--all", "all_", is_flag=True, help="Score every occupation of the taxonomy.")
@click.option("--column", default=None, help="The column of FILE that holds the occupations.")
@click.option("--list", "plain", is_flag=True, help="Read FILE as a plain list, one occupation per line.")
@with_output
@model_option
@click.option("--rebuild", is_flag=True, help="Recompute the scores even if cached.")
def score(source: str | None, taxonomy: str, all_: bool, column: str | None, plain: bool, output: Path | None,
          fmt: str | None, model_path: str | None, rebuild: bool) -> None:
    """Score occupations: routinizability, place-boundness (person-, site-, material-bound)
    and offshorability, each with a 90% interval, and identity dissolution.

    Either every occupation of a taxonomy (--all), or a list: a CSV/TSV file (the column
    named by --column, or the one whose header says occupation/title/code) or a plain list
    (.txt, or - for standard input), one occupation per row, as any mix of O*NET-SOC,
    SOC 2018/2010, ISCO-08 and ESCO codes or URIs, and free-text job titles. Every row comes
    back with its match (code, title, confidence, runner-up, status); ambiguous and unmatched
    rows get no scores.

    \b
    Example:
        exposure score --taxonomy isco08 --all -o outputs/isco08_scores.csv
        exposure score staff.csv --column "Job title" -o staff_scored.csv
        printf 'accounts payable clerk\n15-1252.00\n2512\n' | exposure score -
    """
    from exposure.scoring.occupations import output_columns

    if all_ and source:
        raise click.UsageError("give either --all or a FILE, not both")
    if not all_ and not source:
        raise click.UsageError("nothing to score: give a FILE (or - for standard input), or --all")
    if all_:
        result = _scores(model_path, rebuild)
        df = result.occupations.filter(pl.col("taxonomy") == taxonomy)
        emit(output_columns(df), output, fmt, **_manifest_fields(result, taxonomy=taxonomy))
        return
    from exposure import batch

    data, name = batch.read_bytes(source)
    rows, col = batch.parse(data, name, column, table=False if plain else None)
    result = _scores(model_path, rebuild)
    with progress_bar() as bar:
        bar.add_task(f"matching {rows.height:,} rows", total=None)
        df = batch.score_rows(rows, col, taxonomy, result.occupations, batch.identity_scores())
    if not (df["match_status"] == "matched").any():
        raise InputError(f"none of the {df.height:,} rows of {name} matched an occupation; nothing written "
                         f"(first: {df[col][0]!r}, {df['match_method'][0]})")
    emit(df, output, fmt, **_manifest_fields(result, input=name, column=col, title_taxonomy=taxonomy))
    counts = dict(df.group_by("match_status").len().iter_rows())
    source_col = f" (occupations from column {col!r})" if col != "input" else ""
    err.print(f"{df.height:,} rows{source_col}: "
              + ", ".join(f"{counts.get(s, 0):,} {s}" for s in ("matched", "ambiguous", "unmatched")))


@cli.command("tasks")
@click.option("--taxonomy", type=click.Choice(["onet", "isco08"]), default="onet", show_default=True)
@click.option("--occupation", "codes", multiple=True, metavar="CODE",
              help="Only the tasks of this occupation (repeatable).")
@with_output
@model_option
def tasks_cmd(taxonomy: str, codes: tuple[str, ...], output: Path | None, fmt: str | None,
              model_path: str | None) -> None:
    """Task scores with their evidence: the work activities and nearest coded tasks behind
    each score.

    \b
    Example:
        exposure tasks --taxonomy onet --occupation 43-9021.00 -o outputs/data_entry_tasks.csv
    """
    from exposure.scoring.occupations import task_output_columns

    result = _scores(model_path)
    df = result.tasks.filter(pl.col("taxonomy") == taxonomy)
    if codes:
        unknown = sorted(set(codes) - set(df["occupation_code"]))
        if unknown:
            raise InputError(f"no {taxonomy} occupation with tasks has the code {unknown[0]!r}")
        df = df.filter(pl.col("occupation_code").is_in(list(codes)))
    emit(task_output_columns(df), output, fmt, **_manifest_fields(result, taxonomy=taxonomy, occupations=list(codes)))


def _manifest_fields(result, **extra):
    from exposure.scoring.pipeline import RELEASES

    return {"releases": RELEASES, **result.meta, **extra}


@cli.command("evaluate")
@model_option
def evaluate(model_path: str | None) -> None:
    """Validate the scores: text model vs codebook (cross-validated by occupation),
    ISCO-08 native vs O*NET crosswalk, and named sanity checks on real occupations.

    Exits with 1 if a sanity check fails.

    \b
    Example:
        exposure evaluate
    """
    from exposure.scoring.evaluate import sanity_checks

    result = _scores(model_path)
    print_frame("Text model vs codebook labels (out of fold, grouped by occupation)", result.cv_metrics)
    print_frame("ISCO-08 native scores vs O*NET crosswalk (employment-weighted)", result.agreement)
    checks = sanity_checks(result.occupations)
    print_frame("Sanity checks", checks.select("name", "title", "construct", "expect", "value", "percentile", "passed"))
    failed = checks.filter(~pl.col("passed"))
    if failed.height:
        click.echo(f"Error: {failed.height} sanity check(s) failed: {', '.join(failed['name'])}", err=True)
        sys.exit(1)


@cli.command("lookup")
@click.argument("query", metavar="TITLE_OR_CODE")
@click.option("--taxonomy", type=click.Choice(["onet", "isco08", "esco"]), default="onet", show_default=True,
              help="Where a free-text title is looked up (codes find their own taxonomy).")
@click.option("--json", "as_json", is_flag=True, help="Print the same content as JSON.")
@model_option
def lookup_cmd(query: str, taxonomy: str, as_json: bool, model_path: str | None) -> None:
    """One occupation for a career adviser: its scores and percentiles, the most and least
    exposed tasks with their evidence, its skill profile, and nearby safer occupations.

    \b
    Example:
        exposure lookup "accounts payable clerk"
        exposure lookup 2512 --json
    """
    import json

    from exposure.lookup import lookup

    page = lookup(query, _scores(model_path), taxonomy)
    if as_json:
        click.echo(json.dumps(page, indent=2, ensure_ascii=False))
        return
    _render_lookup(page)


def _render_lookup(page: dict) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    occ, m = page["occupation"], page["match"]
    head = f"[bold]{escape(occ['title'])}[/]  ({occ['taxonomy']} {escape(occ['code'])})"
    note = f"matched by {m['match_method']}, confidence {m['match_confidence']:.2f}"
    if m["match_status"] == "ambiguous" or (m["runner_up_code"] and m["match_confidence"] < 0.9):
        note += f"\n[yellow]uncertain: also close to {escape(str(m['runner_up_title']))} ({m['runner_up_code']})[/]"
    out.print(Panel(f"{head}\n{note}", title=f"exposure lookup: {escape(page['query'])}", title_align="left"))
    t = Table(title="Scores (90% interval; percentile among all occupations of the taxonomy)", title_justify="left")
    for col in ("construct", "score", "interval", "percentile"):
        t.add_column(col, justify="left" if col == "construct" else "right")
    for c, s in page["scores"].items():
        t.add_row(c, f"{s['score']:.2f}", f"{s['lo']:.2f}-{s['hi']:.2f}", f"{s['percentile']:.0f}")
    out.print(t)
    if not page["tasks"]["most_exposed"]:
        out.print(f"Tasks: none; {escape(occ['title'])} has no task list.")
    for key, title in (("most_exposed", "Most offshorable tasks"), ("least_exposed", "Least offshorable tasks")):
        if not page["tasks"][key]:
            continue
        tt = Table(title=f"{title} ({page['tasks']['from']})", title_justify="left", show_lines=True)
        tt.add_column("offsh.", justify="right")
        tt.add_column("task and evidence")
        for task in page["tasks"][key]:
            ev = "\n".join(f"  - {escape(e)}" for e in task["evidence"][:3])
            tt.add_row(f"{task['offshorability']:.2f}", f"{escape(task['task_text'])}\n[dim]{ev}[/]")
        out.print(tt)
    sk = page["skills"]
    if "note" in sk:
        out.print(f"Skills: {sk['note']}.")
    else:
        def num(key: str) -> str:
            value = sk.get(key)
            return "n/a" if value is None else f"{value:.2f}"

        out.print(f"[bold]Skill profile[/]  identity dissolution {num('identity_dissolution')}, "
                  f"e-skill share {num('e_skill_share')}, specificity {num('specificity')}")
        out.print("  distinctive: " + escape("; ".join(sk["distinctive"]) or "none"))
        out.print("  generic e-skills: " + escape("; ".join(sk["e_skills"]) or "none"))
    if not page["safer_moves"]:
        out.print("Safer moves: none among the nearest occupations is clearly less offshorable"
                  if "note" not in sk else "Safer moves: the skill graph covers O*NET and ESCO occupations.")
    else:
        mv = Table(title="Nearby occupations with lower offshorability (safer moves)", title_justify="left")
        for col in ("code", "title", "similarity", "offshorability"):
            mv.add_column(col, justify="right" if col in ("similarity", "offshorability") else "left")
        for r in page["safer_moves"]:
            mv.add_row(r["occupation_code"], escape(r["title"]), f"{r['similarity']:.2f}", f"{r['offshorability']:.2f}")
        out.print(mv)


@cli.command("report")
@click.option("-o", "--output", "folder", type=click.Path(path_type=Path, file_okay=False),
              default=Path("outputs/report"), show_default=True, help="Folder for report.html and its tables.")
@click.option("--taxonomy", type=click.Choice(["onet", "isco08"]), default="onet", show_default=True)
@click.option("--employment", type=click.Choice(["oews", "ilostat"]), default="oews", show_default=True,
              help="BLS OEWS May 2024 (US) or ILOSTAT (a country and year).")
@click.option("--country", default=None, metavar="ISO3", help="ILOSTAT country, e.g. DEU (with --employment ilostat).")
@click.option("--year", type=int, default=None, help="ILOSTAT year (default: the country's latest).")
@click.option("--threshold", type=float, default=0.5, show_default=True,
              help="A score above it counts as highly exposed; between 0 and 1.")
@click.option("--countries", default=None, metavar="ISO3,ISO3,...",
              help="ILOSTAT countries to compare (default: DEU,ESP,FRA,GBR,ITA,POL,USA,PHL; empty for none).")
def report_cmd(folder: Path, taxonomy: str, employment: str, country: str | None, year: int | None,
               threshold: float, countries: str | None) -> None:
    """The policy analyst's exposure report: a self-contained HTML page (figures embedded,
    no network needed) and the table behind each figure as CSV.

    \b
    Example:
        exposure report -o outputs/report
        exposure report --taxonomy isco08 --employment ilostat --country DEU --year 2018
    """
    from exposure.report import DEFAULT_COUNTRIES, build_report

    chosen = DEFAULT_COUNTRIES if countries is None else tuple(c.strip().upper() for c in countries.split(",") if c.strip())
    with progress_bar() as bar:
        bar.add_task("building the report", total=None)
        path = build_report(folder, taxonomy, employment, country, year, threshold, chosen)
    out.print(f"report: {path.resolve()}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens it to the network (there is no login).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
def serve_cmd(host: str, port: int) -> None:
    """The web explorer for career advisers and analysts, on this computer: search as you
    type, an occupation card per code (printable), compare two occupations, sortable
    tables with CSV downloads, the analyst reports, and a JSON API (docs at /docs).

    Needs the web extra (pip install 'exposure[web]'). Stop it with Ctrl-C.

    \b
    Example:
        exposure serve
        exposure serve --port 8080
    """
    from exposure.web.server import check_packages, serve

    check_packages()
    result = _scores(None)
    with progress_bar() as bar:
        task = bar.add_task("warming the explorer", total=None)
        warm = lambda what: bar.update(task, description=f"warming: {what}")  # noqa: E731
        serve(result, host, port, say=out.print, progress=warm, started=bar.stop)


cli.add_command(graph)


def main() -> None:
    cli(prog_name="exposure")


if __name__ == "__main__":
    main()
