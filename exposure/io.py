"""Writing outputs: atomically (a temporary name, then a rename), in the format the file
name asks for, with a manifest beside it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from exposure.errors import InputError

FORMATS = ("csv", "parquet", "json")
UMASK = os.umask(0o022)  # the process's umask, read once (os.umask can only read it by setting it)
os.umask(UMASK)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success,
    delete it on failure, so ``target`` is never half-written."""
    target = Path(target)
    if target.exists() and not target.is_file() or not target.name:
        raise InputError(f"cannot write {target}: it is not a regular file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~UMASK)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def format_of(path: Path, fmt: str | None = None) -> str:
    """The output format: ``fmt`` if given, else the file's suffix (default csv)."""
    fmt = (fmt or Path(path).suffix.lstrip(".") or "csv").lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown output format {fmt!r}; use one of {', '.join(FORMATS)}")
    return fmt


def write_table(df: pl.DataFrame, target: Path, fmt: str | None = None) -> Path:
    """Write a frame as CSV (made safe for spreadsheets by :func:`csv_safe`), Parquet or
    JSON (rows as objects)."""
    fmt = format_of(target, fmt)
    with atomic_path(target) as tmp:
        if fmt == "parquet":
            df.write_parquet(tmp, compression="zstd", statistics=False)
        elif fmt == "json":
            df.write_json(tmp)
        else:
            csv_safe(df).write_csv(tmp)
    return Path(target)


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """A frame ready for CSV that people open in spreadsheets: list-of-text columns joined
    with " | ", and text cells that start with ``= + - @``, a tab or a carriage return
    prefixed with ``'`` so that no spreadsheet runs them as a formula (plain signed numbers
    such as ``-5`` are left as they are)."""
    flat = df.with_columns(pl.col(c).list.join(" | ") for c, t in df.schema.items() if t == pl.List(pl.String))
    risky = r"^[=+\-@\t\r]"
    number = r"^[+-]?\d+(\.\d+)?$"  # a plain signed number passes unchanged
    return flat.with_columns(
        pl.when(pl.col(c).str.contains(risky) & ~pl.col(c).str.contains(number))
        .then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in flat.schema.items() if t == pl.String
    )
