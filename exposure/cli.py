"""The ``exposure`` command line: a thin layer over the library.

Each command parses its options, calls one library function and formats the result.
Library errors (:class:`~exposure.errors.ExposureError`) become a one-line ``Error: ...``
on stderr: exit 2 for unusable input, 1 for a failure of the work. No traceback.
"""

from __future__ import annotations

import os
import signal
import sys


def _startup_interrupt(signum, frame):  # pragma: no cover - exercised in a subprocess
    """Ctrl-C or SIGTERM while the program is still loading: nothing has been written yet,
    so leave at once with one line and no traceback."""
    os.write(2, b"Error: interrupted; nothing was written\n")
    os._exit(128 + signum)


if os.path.basename(sys.argv[0] if sys.argv else "") == "exposure":  # the console script only
    signal.signal(signal.SIGINT, _startup_interrupt)
    signal.signal(signal.SIGTERM, _startup_interrupt)

from pathlib import Path  # noqa: E402

import click  # noqa: E402
import polars as pl  # noqa: E402
from rich.table import Table  # noqa: E402

from exposure import __version__  # noqa: E402
from exposure.clitools import (  # noqa: E402
    ExposureGroup,
    check_not_input,
    emit,
    model_option,
    err,
    handle_signals,
    out,
    output_path,
    print_frame,
    progress_bar,
    reporter,
    stage_printer,
)
from exposure.backends import BACKENDS  # noqa: E402
from exposure.corpus import CHUNK_ROWS, ENGINES, INPUT_FORMATS, MAX_CHARS  # noqa: E402
from exposure.errors import InputError  # noqa: E402
from exposure.graph.cli import graph  # noqa: E402
from exposure.history.cli import history  # noqa: E402


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
    "nesta_crosswalk, oews, ilostat, onet_13_0 ... onet_25_1 (earlier O*NET releases), "
    "onetsoc2009_crosswalk. Default: all.",
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
    from taxonomies import releases

    with progress_bar() as bar:
        task = bar.add_task("downloading", total=None)
        done = releases.pull(names, progress=lambda url: bar.update(task, description=url))
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
    from taxonomies import releases

    n_files = sum(len(r.files) for r in releases.select(names))
    with progress_bar() as bar:
        task = bar.add_task("importing", total=n_files)
        done, skipped = releases.import_from(
            source, names, progress=lambda path: bar.update(task, advance=1, description=path)
        )
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
    from rich.markup import escape

    from taxonomies import releases

    table = Table(title="Data releases", title_justify="left")
    for col in ("release", "version", "state", "files", "problem"):
        table.add_column(col)
    found = releases.status(names)
    for s in found:
        style = {"ok": "green", "missing": "yellow", "damaged": "red"}[s.state]
        table.add_row(s.release.name, s.release.version, f"[{style}]{s.state}[/]", f"{s.files_ok}/{s.files}",
                      escape(s.problem))
    out.print(table)
    problems = [s.error() for s in found if s.error()]
    if problems:
        for message in problems:
            click.echo(f"Error: {message}", err=True)
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
@click.option("-o", "--output", required=True, callback=output_path,
              help="Output file; .csv, .parquet or .json; - for standard output.")
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

output_options = [
    click.option("-o", "--output", default=None, callback=output_path,
                 help="Output file (.csv, .parquet, .json); default or -: CSV on standard output."),
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
        return scores(model_path, rebuild=rebuild, progress=reporter(bar))


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
        written = run(folder, model_path, progress=reporter(bar), stage=stage_printer())
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
@click.option("--excel", is_flag=True, help="Write an .xlsx workbook (-o FILE.xlsx) with a data-dictionary sheet.")
@click.option("--review", "review", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write a pick-list of the ambiguous and unmatched rows; fill in its 'code' column.")
@click.option("--resolved", "resolved", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A pick-list written by --review and filled in: its codes settle those rows.")
@click.option("--weight", default=None, metavar="COLUMN",
              help="A headcount column: print (and write beside -o) the headcount shares in highly exposed work.")
@click.option("--by", default=None, metavar="COLUMN", help="With --weight: split the shares by this column.")
@model_option
@click.option("--rebuild", is_flag=True, help="Recompute the scores even if cached.")
def score(source: str | None, taxonomy: str, all_: bool, column: str | None, plain: bool, output: Path | None,
          fmt: str | None, excel: bool, review: Path | None, resolved: Path | None, weight: str | None,
          by: str | None, model_path: str | None, rebuild: bool) -> None:
    """Score occupations: routinizability, place-boundness (person-, site-, material-bound)
    and offshorability, each with a 90% interval, a percentile and a band (low below the
    33rd percentile, high from the 67th), and identity dissolution.

    Either every occupation of a taxonomy (--all), or a list: a CSV/TSV file (the column
    named by --column, else a column of codes, else the one whose header says
    occupation/title) or a plain list (.txt, or - for standard input), one occupation per
    row, as any mix of O*NET-SOC, SOC 2018/2010, ISCO-08 and ESCO codes or URIs, and
    free-text job titles. Every row comes back with its match (code, title, confidence,
    runner-up, status); ambiguous rows list their candidates and the range of the scores
    across them, but get no scores. A CSV comes back in the input's delimiter and encoding.

    \b
    Example:
        exposure score --taxonomy isco08 --all -o outputs/isco08_scores.csv
        exposure score staff.csv --column "Job title" -o staff_scored.csv
        exposure score staff.csv --weight Headcount --by Department --excel -o staff.xlsx
        exposure score staff.csv --review open.csv -o staff_scored.csv
        printf 'accounts payable clerk\\n15-1252.00\\n2512\\n' | exposure score -
    """
    from exposure.scoring.occupations import output_columns

    if all_ and source:
        raise click.UsageError("give either --all or a FILE, not both")
    if not all_ and not source:
        raise click.UsageError("nothing to score: give a FILE (or - for standard input), or --all")
    if excel and (output is None or output.suffix.lower() != ".xlsx"):
        raise click.UsageError("--excel needs an output file named like -o FILE.xlsx")
    if by and not weight:
        raise click.UsageError("--by splits the headcount shares: give --weight COLUMN too")
    if all_:
        if review or resolved or weight:
            raise click.UsageError("--review, --resolved and --weight apply to a list, not to --all")
        result = _scores(model_path, rebuild)
        df = output_columns(result.occupations.filter(pl.col("taxonomy") == taxonomy))
        fields = _manifest_fields(result, taxonomy=taxonomy)
        if excel:
            from exposure import sheets

            sheets.write_xlsx(df, output, [], "", **fields)
            err.print(f"wrote {df.height:,} rows to {output}")
        else:
            emit(df, output, fmt, **fields)
        return
    from exposure import batch, sheets

    check_not_input(output, source)
    check_not_input(review, source, resolved)
    picks = sheets.read_picks(resolved) if resolved else None
    data, name = batch.read_bytes(source)
    rows, col = batch.parse(data, name, column, table=False if plain else None)
    result = _scores(model_path, rebuild)
    with progress_bar() as bar:
        bar.add_task(f"matching {rows.height:,} rows", total=None)
        df = batch.score_rows(rows, col, taxonomy, result.occupations, batch.identity_scores(), picks=picks)
    batch.require_matches(df, col, name)
    summary = sheets.headcount(df, weight, by) if weight else None
    fields = _manifest_fields(result, input=name, column=col, title_taxonomy=taxonomy,
                              resolved=str(resolved) if resolved else None)
    if excel:
        sheets.write_xlsx(df, output, rows.columns, col, **fields)
        err.print(f"wrote {df.height:,} rows to {output}")
    else:  # a table comes back in its own delimiter and encoding; a plain list as CSV
        emit(df, output, fmt, like=data if col != "input" else None, **fields)
    if review:
        from exposure.manifest import write_with_manifest

        picklist = sheets.review_list(df, col)
        write_with_manifest(picklist, review, "csv", **fields)
        err.print(f"wrote {picklist.height:,} open rows to {review}: write the chosen code in its 'code' column, "
                  f"then run again with --resolved {review}")
    if summary is not None:
        print_frame(f"Share of the headcount ({weight}) in highly exposed work (score >= {sheets.HIGH_AT}; "
                    f"interval from the score intervals; matched rows only)", summary,
                    out if output is not None else err)  # standard output may carry the rows
        if output is not None:
            from exposure.manifest import write_with_manifest

            path = output.with_name(output.stem + ".headcount.csv")
            write_with_manifest(summary, path, "csv", **fields, weight=weight, by=by)
            err.print(f"wrote the headcount shares to {path}")
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


@cli.command("score-text")
@click.argument("source", metavar="FILE|-")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Output file: .parquet (default format) or .csv.")
@click.option("--column", default=None,
              help="The column (field) holding the texts; default: the only column, else text/task_text/task/...")
@click.option("--input-format", "fmt", type=click.Choice(INPUT_FORMATS), default=None,
              help="Default: from the file name, else sniffed from its first bytes.")
@click.option("--backend", type=click.Choice(BACKENDS), default=None,
              help="Embedding backend; default: $EXPOSURE_EMBED_BACKEND, else torch (see docs/corpus.md).")
@click.option("--engine", type=click.Choice(ENGINES), default=ENGINES[0], show_default=True,
              help="Score in this process, or on Ray Data (pip install -e '.[ray]').")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="With --engine ray: model-holding actors (and CPUs of the local Ray).")
@click.option("--address", default=None, help="With --engine ray: join this Ray cluster instead of starting one.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=CHUNK_ROWS, show_default=True,
              help="Rows per chunk: the unit of memory, of resuming and of Ray's work.")
@click.option("--max-chars", type=click.IntRange(min=1), default=MAX_CHARS, show_default=True,
              help="Longer texts are reported as too_long and not scored.")
@model_option
def score_text_cmd(source: str, output: Path, column: str | None, fmt: str | None, backend: str | None,
                   engine: str, workers: int, address: str | None, chunk_rows: int, max_chars: int,
                   model_path: str | None) -> None:
    """Score any task texts (job ads, gig descriptions, a corpus of millions of sentences):
    each text's construct scores with 90% intervals and its nearest coded tasks.

    Reads a CSV/TSV, JSON Lines or Parquet file (or - for standard input) in chunks, in
    bounded memory. Every input row gets one output row with a status: ok, or empty,
    binary, too_long, missing or unreadable (reported, counted, never fatal). An
    interrupted run resumes where it stopped when run again with the same arguments.

    \b
    Example:
        exposure data export tasks --only isco08 -o outputs/isco_tasks.csv
        exposure score-text outputs/isco_tasks.csv --column task_text -o outputs/isco_text_scores.parquet
        printf 'text\\nSort incoming mail.\\nNegotiate contracts with suppliers.\\n' | exposure score-text - -o outputs/two.csv
    """
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    from exposure.corpus import score_file

    with progress_bar() as bar:
        result = score_file(source, output, column, fmt, model_path=model_path, backend=backend, engine=engine,
                            workers=workers, address=address, chunk_rows=chunk_rows, max_chars=max_chars,
                            progress=reporter(bar, "scoring texts"))
    bad = [p for p in result.problems]
    for p in bad[:20]:
        err.print(f"row {p['row']}: {p['status']}: {p['problem']}", markup=False, highlight=False)
    n_bad = result.rows - result.counts.get("ok", 0)
    if n_bad > 20:
        err.print(f"... and {n_bad - 20:,} more rows not scored (see the status and problem columns)")
    resumed = f"; {result.resumed} of {result.chunks} chunks were already scored" if result.resumed else ""
    err.print(f"wrote {result.rows:,} rows to {output}: "
              + ", ".join(f"{n:,} {s}" for s, n in result.counts.items() if n or s == "ok") + resumed)


@cli.command("evaluate")
@click.option("--matching", is_flag=True,
              help="Instead: measure the title matcher on the evaluation set of typed job titles.")
@model_option
def evaluate(matching: bool, model_path: str | None) -> None:
    """Validate the scores: text model vs codebook (cross-validated by occupation), the
    codebook's e-skill codes vs an independent second coding, ISCO-08 native vs O*NET
    crosswalk, place-boundness vs Dingel & Neiman (2020) teleworkability (AUC, when that
    release is imported), and named sanity checks.
    With --matching: the title matcher's confidently wrong, right-at-top-1 and flagged
    shares on the evaluation set (dev and held-out test split).

    Exits with 1 if a sanity check fails.

    \b
    Example:
        exposure evaluate
        exposure evaluate --matching
    """
    from exposure.scoring.codebook import second_coding_agreement
    from exposure.scoring.evaluate import sanity_checks

    if matching:
        from exposure.match_eval import EVAL_SET, TARGETS, evaluate as evaluate_matching

        with progress_bar() as bar:
            bar.add_task("matching the evaluation set", total=None)
            df = evaluate_matching(("onet", "isco08", "esco"))
        print_frame(f"Title matching on {EVAL_SET.name} (targets: "
                    + ", ".join(f"{k} {op} {v:.0%}" for k, (op, v) in TARGETS.items()) + ")", df)
        return

    result = _scores(model_path)
    print_frame("Text model vs codebook labels (out of fold, grouped by occupation)", result.cv_metrics)
    print_frame("Codebook e_skill_content vs an independent second coding (blind; quadratic-weighted kappa)",
                second_coding_agreement())
    print_frame("ISCO-08 native scores vs O*NET crosswalk (employment-weighted)", result.agreement)
    checks = sanity_checks(result.occupations)
    _print_telework(result.occupations)
    print_frame("Sanity checks", checks.select("name", "title", "construct", "expect", "value", "percentile", "passed"))
    failed = checks.filter(~pl.col("passed"))
    if failed.height:
        click.echo(f"Error: {failed.height} sanity check(s) failed: {', '.join(failed['name'])}", err=True)
        sys.exit(1)


def _print_telework(occupations: pl.DataFrame) -> None:
    """Place-boundness against Dingel & Neiman (2020) teleworkability, or why not."""
    from exposure.errors import DataError
    from exposure.scoring.evaluate import telework_agreement, telework_points
    from taxonomies import load

    try:
        telework, crosswalk = load("telework"), load("crosswalk")
    except DataError as exc:
        click.echo(f"Dingel & Neiman (2020) comparison skipped: {exc}", err=True)
        return
    print_frame("Scores vs Dingel & Neiman (2020) teleworkability: AUC for 'cannot be done at home' "
                "(O*NET occupations with an unambiguous verdict)",
                telework_agreement(telework_points(occupations, telework, crosswalk)))


@cli.command("lookup")
@click.argument("query", metavar="TITLE_OR_CODE")
@click.option("--taxonomy", type=click.Choice(["onet", "isco08", "esco"]), default="onet", show_default=True,
              help="Where a free-text title is looked up (codes find their own taxonomy).")
@click.option("--json", "as_json", is_flag=True, help="Print everything, codes and numbers included, as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Also show the scores, codes and numeric evidence.")
@click.option("--max-zone-step", type=click.IntRange(0, 4), default=1, show_default=True,
              help="Safer moves at most this many Job Zones (skill levels) up.")
@model_option
def lookup_cmd(query: str, taxonomy: str, as_json: bool, verbose: bool, max_zone_step: int,
               model_path: str | None) -> None:
    """One occupation for a career adviser, in plain words first: how exposed it is to
    offshoring, which kinds of tasks can move and which stay, its skill profile, and safer
    moves within reach (shared skills, skills to learn, Job Zone and wage change).

    \b
    Example:
        exposure lookup "accounts payable clerk"
        exposure lookup 2512 --json
        exposure lookup "lorry driver" --verbose
    """
    from exposure.lookup import lookup

    page = lookup(query, _scores(model_path), taxonomy, max_zone_step=max_zone_step)
    if as_json:
        click.echo(page.to_json())
        return
    _render_lookup(page, verbose)


def _render_lookup(page, verbose: bool = False) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    occ, m = page.occupation, page.match
    head = f"[bold]{escape(occ['title'])}[/]"
    if verbose:
        head += f"  ({occ['taxonomy']} {escape(occ['code'])}; matched by {m['match_method']}, " \
                f"confidence {m['match_confidence']:.2f})"
    if m["runner_up_code"] and m["match_confidence"] < 0.9:
        head += f"\n[yellow]uncertain match: also close to {escape(str(m['runner_up_title']))}[/]"
    out.print(Panel(head + "\n\n" + escape(" ".join(page.summary.sentences)),
                    title=f"exposure lookup: {escape(page.query)}", title_align="left"))
    if verbose:
        t = Table(title="Scores (90% interval; percentile among the occupations of the taxonomy; band: low below "
                  "the 33rd percentile, high from the 67th)", title_justify="left")
        for col in ("construct", "score", "interval", "percentile", "band"):
            t.add_column(col, justify="left" if col in ("construct", "band") else "right")
        for c in page.scores:
            t.add_row(c.name, f"{c.score:.2f}", f"{c.lo:.2f}-{c.hi:.2f}", f"{c.percentile:.0f}", c.band)
        out.print(t)
    for title, tasks in (("Tasks most likely to move", page.tasks.most_exposed),
                         ("Tasks most likely to stay", page.tasks.least_exposed)):
        if not tasks:
            continue
        out.print(f"[bold]{title}[/] ({escape(page.tasks.source)})")
        for task in tasks:
            flag = " [yellow](uncertain: the evidence is mixed)[/]" if task.uncertain else ""
            num = f" [dim]{task.offshorability:.2f} ({task.lo:.2f}-{task.hi:.2f})[/]" if verbose else ""
            out.print(f"  - {escape(task.text)}{num}{flag}")
            for w in task.why[:2] + task.nearest[:2]:
                out.print(f"      [dim]{escape(w)}[/]")
            if verbose:
                for e in task.evidence[:3]:
                    out.print(f"      [dim]{escape(e)}[/]")
    sk = page.skills
    if sk.note and not sk.distinctive:
        out.print(f"Skills: {escape(sk.note)}.")
    else:
        out.print(f"[bold]Skills[/] ({escape(sk.via)}): " + escape("; ".join(sk.distinctive[:6]) or "none listed"))
        if sk.e_skills:
            out.print("  general computer skills: " + escape("; ".join(sk.e_skills[:5])))
        if verbose:
            out.print("  " + ", ".join(f"{k} {v:.2f}" for k, v in sk.measures.items() if v is not None))
    mv = page.moves
    if mv.note:
        out.print(f"Safer moves: {escape(mv.note)}.")
    if mv.moves:
        zone = "Job Zone" if occ["taxonomy"] == "onet" else "skill level"
        tbl = Table(title=f"Safer moves ({escape(mv.rule)})", title_justify="left", show_lines=True)
        for col in ("occupation", "less exposed by", zone, "median wage (US)", "shared skills", "skills to learn"):
            tbl.add_column(col)
        for r in mv.moves:
            name = escape(r.title) + (f"\n[dim]{r.code}[/]" if verbose else "")
            change = "same" if not r.job_zone_change else f"{r.job_zone_change:+d}"
            wage = "n/a" if r.wage_change is None else f"{r.wage_change:+,.0f} $/year"
            less = f"{r.percentile_drop:.0f} pct. points" + (" (lowest quarter)" if r.lowest_quarter else "")
            tbl.add_row(name, less, change, wage, escape("; ".join(r.shared_skills[:4])),
                        escape("; ".join(r.skills_to_learn[:4])))
        out.print(tbl)
    _render_history(page.history)


def _render_history(hist: dict) -> None:
    """The lookup page's trajectory line (exposure.history) and the tasks that came and went."""
    from rich.markup import escape

    if "line" not in hist:
        if hist:
            out.print(f"Over time: {escape(hist['note'])}.")
        return
    out.print(f"[bold]Over time[/] (O*NET {hist['onet_code']}, 13.0-29.2): {escape(hist['line'])}")
    for key in ("appeared", "disappeared"):
        extra = hist[f"n_{key}"] - len(hist[key])
        for t in hist[key]:
            out.print(f"  {key}: {escape(t)}")
        if extra > 0:
            out.print(f"  ... and {extra} more {key} (exposure history show {hist['onet_code']})")


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
cli.add_command(history)


def main() -> None:
    handle_signals()
    try:
        cli(prog_name="exposure")
    except KeyboardInterrupt as exc:  # between the end of the work and the exit
        click.echo("Error: interrupted; nothing half-written was left behind", err=True)
        sys.exit(getattr(exc, "exit_code", 130))
    finally:  # the work is done (or cleaned up): a late signal changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    main()
