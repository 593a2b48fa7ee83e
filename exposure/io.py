"""Writing outputs: atomically (a temporary name, then a rename), in the format the file
name asks for, with a manifest beside it."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.errors import InputError
from taxonomies.base import atomic_path, write_bytes

__all__ = ["FORMATS", "UMASK", "atomic_path", "csv_safe", "format_of", "write_bytes", "write_table"]

FORMATS = ("csv", "parquet", "json")


def _read_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc/self/status)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


UMASK = _read_umask()  # kept for callers that set permissions by hand


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
        write_frame(df, tmp, fmt)
    return Path(target)


def write_frame(df: pl.DataFrame, path: Path, fmt: str) -> None:
    """Write a frame to ``path`` in ``fmt`` (not atomic: give it a temporary path)."""
    if fmt == "parquet":
        df.write_parquet(path, compression="zstd", statistics=False)
    elif fmt == "json":
        df.write_json(path)
    else:
        csv_safe(df).write_csv(path)


def csv_safe(df: pl.DataFrame) -> pl.DataFrame:
    """A frame ready for CSV that people open in spreadsheets: list-of-text columns joined
    with " | ", and text cells that start with ``= + - @``, a tab or a carriage return
    prefixed with ``'`` so that no spreadsheet runs them as a formula (plain signed numbers
    such as ``-5`` are left as they are). Header cells are protected the same way.

    >>> csv_safe(pl.DataFrame({"=1+1": ["@SUM(A1)", "-5"]})).write_csv()
    "'=1+1\\n'@SUM(A1)\\n-5\\n"
    """
    flat = df.with_columns(pl.col(c).list.join(" | ") for c, t in df.schema.items() if t == pl.List(pl.String))
    risky = r"^[=+\-@\t\r]"
    number = r"^[+-]?\d+(\.\d+)?$"  # a plain signed number passes unchanged
    flat = flat.rename({c: f"'{c}" for c in flat.columns if _risky_text(c)})
    return flat.with_columns(
        pl.when(pl.col(c).str.contains(risky) & ~pl.col(c).str.contains(number))
        .then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in flat.schema.items() if t == pl.String
    )


def _risky_text(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula (see :func:`csv_safe`)."""
    import re

    return bool(re.match(r"[=+\-@\t\r]", text)) and not re.fullmatch(r"[+-]?\d+(\.\d+)?", text)
