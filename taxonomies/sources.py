"""Reading verified release files as all-text polars frames.

Loaders never open files themselves: they ask :func:`read` for a file by its release
path. The release is verified first (once per process), so a loader only ever sees the
pinned bytes, and every column arrives as text for the loader to cast explicitly.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache

import polars as pl

from taxonomies.base import raw_dir
from taxonomies.releases import FileSpec, releases, require


def spec_of(path: str) -> FileSpec:
    for release in releases().values():
        for f in release.files:
            if f.path == path:
                return f
    raise KeyError(f"{path} is not a pinned release file")


@cache
def _verified(release: str, root: str) -> None:
    require(releases()[release])


def verify(release: str) -> None:
    """Raise a one-line DataError unless the release is present and matches its pins
    (checked once per process and data folder)."""
    _verified(release, str(raw_dir()))


def read(path: str) -> pl.DataFrame:
    """A pinned file as a frame of strings, named by its declared header."""
    spec = spec_of(path)
    verify(spec.release)
    location = raw_dir() / path
    header = list(spec.header) if spec.header else None
    suffix = location.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        import fastexcel

        sheet = fastexcel.read_excel(str(location)).load_sheet(
            spec.sheet, header_row=None, skip_rows=spec.header_row + 1, dtypes="string"
        )
        df = sheet.to_polars()
        df = df.rename(dict(zip(df.columns, header)))
        # spreadsheets carry blank trailer rows and padded cells
        df = df.with_columns(pl.col(pl.String).str.strip_chars())
        return df.filter(~pl.all_horizontal(pl.all().is_null() | (pl.all() == "")))
    if suffix == ".zip":
        with zipfile.ZipFile(location) as zf:
            data = zf.read(spec.member or zf.namelist()[0])
        return pl.read_csv(io.BytesIO(data), infer_schema=False, new_columns=header)
    if suffix == ".csv":
        return pl.read_csv(location, infer_schema=False, new_columns=header, encoding="utf8-lossy")
    # O*NET text files: tab-separated, no quoting, "n/a" for missing values; UTF-8, or
    # Windows-1252 as older releases were published
    data = location.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    return pl.read_csv(
        io.BytesIO(data),
        separator="\t",
        quote_char=None,
        infer_schema=False,
        null_values=["n/a"],
        new_columns=header,
    )


def clear() -> None:
    """Forget which releases were verified in this process (after an import, in tests)."""
    _verified.cache_clear()
