"""The main job: canonical tables -> task and occupation scores -> validation, written to
one output folder with a manifest beside every file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from exposure.io import write_table
from exposure.manifest import write_manifest
from exposure.scoring.evaluate import sanity_checks
from exposure.scoring.occupations import output_columns, task_output_columns
from exposure.scoring.pipeline import RELEASES, Scores, scores
from taxonomies import build_all

Progress = Callable[[str, int, int], None]


def write_outputs(result: Scores, folder: Path) -> list[Path]:
    """Every score table and the validation tables, as CSV with manifests."""
    written = []

    def put(df: pl.DataFrame, name: str, **extra) -> None:
        path = folder / name
        write_table(df, path)
        write_manifest(path, releases=RELEASES, **result.meta, **extra)
        written.append(path)

    for taxonomy in ("onet", "isco08", "esco"):
        put(output_columns(result.occupations.filter(pl.col("taxonomy") == taxonomy)),
            f"{taxonomy}_scores.csv", taxonomy=taxonomy)
    for taxonomy in ("onet", "isco08"):
        put(task_output_columns(result.tasks.filter(pl.col("taxonomy") == taxonomy)),
            f"{taxonomy}_tasks.csv", taxonomy=taxonomy)
    put(result.cv_metrics, "validation_text_model.csv")
    put(result.agreement, "validation_isco_agreement.csv")
    put(sanity_checks(result.occupations), "validation_sanity_checks.csv")
    return written


def run(folder: Path, model_path: str | None = None, progress: Progress | None = None) -> list[Path]:
    """Build the tables, score everything, write the outputs; return the files written."""
    build_all()
    return write_outputs(scores(model_path, progress=progress), folder)
