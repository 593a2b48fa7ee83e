"""What the benchmark scripts share: the `--from` option and a throwaway data folder."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def fresh_data_folder(description: str) -> Iterator[Path]:
    """Parse ``--from DIR`` (default ../shared/data) and run inside an empty temporary data
    folder (``$EXPOSURE_DATA_DIR``); yield the source folder of the releases."""
    parser = argparse.ArgumentParser(description=description)
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--from", dest="source", default=str(here.parent / "shared" / "data"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EXPOSURE_DATA_DIR"] = tmp
        yield Path(args.source)
