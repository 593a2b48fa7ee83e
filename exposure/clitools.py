"""Pieces every command group shares: consoles, the error-handling group, progress bars,
tables on the terminal, and writing a result with its manifest."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from exposure.errors import ExposureError, InputError

err = Console(stderr=True, soft_wrap=True)  # messages are never wrapped
# wide enough for the tables when the output goes to a file or a pipe
out = Console() if Console().is_terminal else Console(width=160)


class ExposureGroup(click.Group):
    """A click group that turns library errors into one-line messages: exit 2 for unusable
    input, 1 for a failure of the work, never a traceback (unless EXPOSURE_DEBUG is set)."""

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
    """A progress bar on standard error, shown only on a terminal."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


def print_frame(title: str, df: pl.DataFrame) -> None:
    """A frame as a table on standard output, floats to three decimals."""
    table = Table(title=title, title_justify="left")
    for col, dtype in df.schema.items():
        table.add_column(col, justify="right" if dtype.is_numeric() else "left")
    for row in df.iter_rows():
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    out.print(table)


def emit(df: pl.DataFrame, output: Path | None, fmt: str | None = None, **manifest) -> None:
    """Write a result to a file (with its manifest) or as CSV/JSON to standard output."""
    from exposure.io import csv_safe, format_of
    from exposure.manifest import write_with_manifest

    if output is None:
        fmt = fmt or "csv"
        if fmt == "parquet":
            raise InputError("Parquet needs an output file: add -o FILE.parquet")
        sys.stdout.write(df.write_json() if fmt == "json" else csv_safe(df).write_csv())
        return
    write_with_manifest(df, output, format_of(output, fmt), **manifest)
    err.print(f"wrote {df.height:,} rows to {output}")
