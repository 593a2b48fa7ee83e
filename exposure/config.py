"""Where data lives: ``$EXPOSURE_DATA_DIR`` or the ``data/`` folder of the checkout."""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The data folder: ``$EXPOSURE_DATA_DIR`` if set, else ``data/`` in the checkout
    (or in the working directory when the package is installed elsewhere)."""
    env = os.environ.get("EXPOSURE_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT / "data"
    return Path.cwd() / "data"


def raw_dir() -> Path:
    """Raw releases, laid out like ``../shared/data`` (``onet/``, ``esco/``, ...)."""
    return data_dir() / "raw"


def cache_dir() -> Path:
    """Derived tables (Parquet), keyed by release checksums."""
    return data_dir() / "cache"
