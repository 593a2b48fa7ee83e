"""Shared fixtures. The real releases come from ../shared/data (or $EXPOSURE_SHARED_DATA);
each test session imports them once into a temporary data folder and builds the tables.
Without them, the tests that need them are skipped with the reason; the tests on
hand-built fixtures still run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EXPOSURE_SHARED_DATA", REPO.parent / "shared" / "data"))


def _require_shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the real data releases at {SHARED}; "
                    "set EXPOSURE_SHARED_DATA to a folder laid out like ../shared/data")
    return SHARED


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _require_shared()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """A data folder holding the imported real releases, used by the whole session.

    Embeddings already cached in the developer's data folder are copied in (they are keyed
    by model and text hash, so they cannot be stale); everything else is built afresh."""
    from exposure.config import cache_dir
    from taxonomies import releases, sources

    _require_shared()
    folder = tmp_path_factory.mktemp("data")
    vectors = cache_dir() / "embeddings"
    if vectors.is_dir():
        shutil.copytree(vectors, folder / "cache" / "embeddings")
    old = os.environ.get("EXPOSURE_DATA_DIR")
    os.environ["EXPOSURE_DATA_DIR"] = str(folder)
    sources.clear()
    releases.import_from(SHARED)
    yield folder
    if old is None:
        os.environ.pop("EXPOSURE_DATA_DIR", None)
    else:
        os.environ["EXPOSURE_DATA_DIR"] = old
    sources.clear()


@pytest.fixture(scope="session")
def tables(data_dir):
    """Every canonical table, built once from the real releases."""
    from taxonomies import build_all

    return build_all()


@pytest.fixture(scope="session")
def scored(tables):
    """Task and occupation scores from the real tables and the bundled model."""
    from exposure.scoring.pipeline import scores

    return scores()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's headless Chromium for the browser tests, installed here when missing (the
    test set-up runs as root on the project's machines); skipped only if that fails."""
    path = Path("/usr/bin/chromium")
    if not path.exists() and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, timeout=1200)
    if not path.exists():
        pytest.skip("Chromium is not installed and could not be installed (apt-get install -y chromium)")
    return path


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch) -> Path:
    """A fresh, empty data folder for tests that import or break things."""
    from taxonomies import sources

    folder = tmp_path / "data"
    monkeypatch.setenv("EXPOSURE_DATA_DIR", str(folder))
    sources.clear()
    yield folder
    sources.clear()


@pytest.fixture
def shared_copy(tmp_path) -> Path:
    """A writable copy of the real releases, to damage on purpose."""
    target = tmp_path / "copy"
    shutil.copytree(_require_shared(), target)
    return target
