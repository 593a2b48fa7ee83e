"""Pieces every command group shares: consoles, the error-handling group, progress bars,
tables on the terminal, output paths, signals, and writing a result with its manifest.

Every way a command can end is one line on standard error: ``Error: ...`` with exit 2 for
unusable input (including usage errors), 1 for a failure of the work (a full disk, a failed
check), 130 on Ctrl-C and 143 on SIGTERM (after removing what was being written).
"""

from __future__ import annotations

import errno
import os
import signal
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


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, container stops), raised like Ctrl-C so that every ``finally``
    and atomic write cleans up; the exit code is 128 + the signal number."""

    exit_code = 128 + signal.SIGTERM


def _raise_terminated(signum, frame):
    raise Terminated()


def handle_signals() -> None:
    """From here on SIGTERM unwinds like Ctrl-C (no half-written file is left behind)."""
    signal.signal(signal.SIGTERM, _raise_terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _echo_error(message: str) -> None:
    try:
        click.echo(f"Error: {_one_line(message)}", err=True)
    except (OSError, ValueError, AttributeError):  # standard error is closed too
        pass


def _stream_error(exc: OSError, stream: str = "standard output") -> tuple[str, int]:
    """A failed write to standard output as (message, exit code)."""
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO):
        return f"cannot write to {stream}: {exc.strerror}; the output is incomplete", 1
    return f"cannot write to {stream}: {exc.strerror or exc}", 2


class ExposureGroup(click.Group):
    """A click group that turns library errors into one-line messages: exit 2 for unusable
    input, 1 for a failure of the work, never a traceback (unless EXPOSURE_DEBUG is set)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run the command; in standalone mode every ending is one line on standard error
        (click's usage errors included) and a SystemExit with the right code."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        code = 0
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) else 0
            _flush_stdout()
        except click.UsageError as exc:
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            _echo_error(f"{exc.format_message()}{hint}")
            code = exc.exit_code
        except click.ClickException as exc:
            _echo_error(exc.format_message())
            code = exc.exit_code
        except click.Abort as exc:
            interrupt = exc.__context__ if isinstance(exc.__context__, KeyboardInterrupt) else None
            code = getattr(interrupt, "exit_code", 130) if interrupt is not None else 1
            _echo_error("interrupted; nothing half-written was left behind")
        except KeyboardInterrupt as exc:
            code = getattr(exc, "exit_code", 130)
            _echo_error("interrupted; nothing half-written was left behind")
        except OSError as exc:  # standard output closed or full, caught after the command
            message, code = _stream_error(exc)
            _echo_error(message)
        _quiet_stdout()
        sys.exit(code)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ExposureError as exc:
            _echo_error(str(exc))
            ctx.exit(2 if isinstance(exc, InputError) else 1)
        except KeyboardInterrupt:
            raise
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except OSError as exc:
            if exc.errno in (errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EFBIG) and _is_stdout_error(exc):
                message, code = _stream_error(exc)
                _echo_error(message)
                _quiet_stdout()
                ctx.exit(code)
            if os.environ.get("EXPOSURE_DEBUG"):
                raise
            _echo_error(f"internal error ({type(exc).__name__}: {str(exc)[:200]}). "
                        "Run again with EXPOSURE_DEBUG=1 for the traceback and report it.")
            ctx.exit(1)
        except Exception as exc:  # a bug: say so in one line, keep the traceback on request
            if os.environ.get("EXPOSURE_DEBUG"):
                raise
            _echo_error(f"internal error ({type(exc).__name__}: {str(exc)[:200]}). "
                        "Run again with EXPOSURE_DEBUG=1 for the traceback and report it.")
            ctx.exit(1)


def _is_stdout_error(exc: OSError) -> bool:
    """Whether a write error came from standard output (as opposed to a file)."""
    return getattr(exc, "filename", None) is None


def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _quiet_stdout() -> None:
    """After a failed write to standard output, point it at /dev/null so that Python's
    final flush does not print a second error."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass


def stage_printer():
    """For long jobs in a log (standard error not a terminal): one line per finished stage
    with its time; on a terminal the progress bar says it, so nothing is printed."""
    if err.is_terminal:
        return None

    def stage(name: str, seconds: float) -> None:
        click.echo(f"{name}: done in {seconds:.1f} s", err=True)

    return stage


def output_path(ctx: click.Context | None, param, value: str | None) -> Path | None:
    """The ``-o`` option: ``-`` is standard output (None); a folder (an existing one, or
    a name ending in /) is a usage error, not a file named after it."""
    if value is None or value == "-":
        return None
    if Path(value).is_dir():
        raise InputError(f"cannot write {Path(value)}: it is not a regular file")
    if value.endswith(("/", os.sep)):
        raise InputError(f"cannot write {value}: a name ending in / is a folder; give a file name")
    return Path(value)


def check_not_input(output: Path | None, *inputs: str | Path | None) -> None:
    """Refuse an output file that is one of the inputs (it would be replaced)."""
    if output is None:
        return
    for source in inputs:
        if source is None or str(source) == "-":
            continue
        a, b = Path(source), Path(output)
        same = a.exists() and b.exists() and os.path.samefile(a, b)
        if same or a.resolve() == b.resolve():
            raise InputError(f"the output {output} is the input file; give another file name with -o")


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


def reporter(bar: Progress, label: str = "scoring"):
    """A ``progress(label, done, total)`` callback that drives one task of ``bar``."""
    task = bar.add_task(label, total=None)

    def report(label: str, done: int, total: int) -> None:
        bar.update(task, description=label, completed=done, total=total)

    return report


def print_frame(title: str, df: pl.DataFrame, console: Console | None = None) -> None:
    """A frame as a table on standard output (or ``console``), floats to three decimals."""
    table = Table(title=title, title_justify="left")
    for col, dtype in df.schema.items():
        table.add_column(col, justify="right" if dtype.is_numeric() else "left")
    for row in df.iter_rows():
        table.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    (console or out).print(table)


def emit(df: pl.DataFrame, output: Path | None, fmt: str | None = None, like: bytes | None = None,
         **manifest) -> None:
    """Write a result to a file (with its manifest) or as CSV/JSON to standard output.

    ``like``: the bytes of a table the user gave; a CSV result then comes back in that
    table's delimiter and encoding (UTF-8 with BOM, or Windows-1252), so that a spreadsheet
    opens it as it opened the input (no BOM in a pipe)."""
    from exposure.io import csv_safe, format_of
    from exposure.manifest import write_file_with_manifest, write_with_manifest
    from exposure.sheets import csv_like_input, dialect

    chosen = (fmt or (output.suffix.lower().lstrip(".") if output else "") or "csv").lower()
    delimiter, encoding = dialect(like) if like is not None and chosen in ("csv", "tsv", "txt") else (None, None)
    if output is None:
        if chosen == "parquet":
            raise InputError("Parquet needs an output file: add -o FILE.parquet")
        if sys.stdout is None or sys.stdout.closed:
            raise InputError("standard output is closed; give an output file with -o FILE")
        if delimiter is not None:
            sys.stdout.buffer.write(csv_like_input(df, delimiter, "utf-8" if encoding == "utf-8-sig" else encoding))
        else:
            sys.stdout.write(df.write_json() if chosen == "json" else csv_safe(df).write_csv())
        sys.stdout.flush()
        return
    if delimiter is not None:
        body = csv_like_input(df, delimiter, encoding)
        write_file_with_manifest(output, lambda tmp: tmp.write_bytes(body), delimiter=delimiter, encoding=encoding,
                                 **manifest)
        err.print(f"wrote {df.height:,} rows to {output} ({encoding}, {delimiter!r}-separated, like the input)")
        return
    write_with_manifest(df, output, format_of(output, fmt), **manifest)
    err.print(f"wrote {df.height:,} rows to {output}")


def _use_model(ctx: click.Context, param, value: str | None) -> str | None:
    """--model makes a run context for the whole command: scores, graphs, title matching,
    report and lookup all use that model."""
    from exposure.context import RunContext, use

    if value is not None:
        ctx.with_resource(use(RunContext(model_path=value).resolved()))
    return value


model_option = click.option(
    "--model", "model_path", type=click.Path(exists=True, file_okay=False), default=None, callback=_use_model,
    help="A local sentence-transformers folder (default: the bundled all-MiniLM-L6-v2).",
)
