"""The main job: canonical tables -> task and occupation scores -> validation -> skill
graphs -> analyst report, written to one output folder with a manifest beside every file.

Every stage runs in one run context (:mod:`exposure.context`): the same data folder and the
same embedding model for the scores, the graphs, the report and the lookup caches.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import polars as pl

from exposure.context import RunContext, current, use
from exposure.errors import InputError
from exposure.manifest import write_with_manifest
from exposure.scoring.evaluate import sanity_checks
from exposure.scoring.occupations import output_columns, task_output_columns
from exposure.scoring.pipeline import RELEASES, Progress, Scores, scores
from taxonomies import build_all, load



def write_outputs(result: Scores, folder: Path) -> list[Path]:
    """Every score table and the validation tables, as CSV with manifests."""
    written = []

    def put(df: pl.DataFrame, name: str, **extra) -> None:
        written.append(write_with_manifest(df, folder / name, releases=RELEASES, **result.meta, **extra))

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


def write_graph_outputs(folder: Path) -> list[Path]:
    """Per taxonomy of the skill graph: the identity and e-skill tables, and the graph as
    GraphML (opens in Gephi)."""
    from exposure.graph import identity_table, skill_table
    from exposure.graph.api import export_with_manifest, manifest_fields

    written = []
    for taxonomy in ("onet", "esco"):
        for name, df in ((f"{taxonomy}_identity.csv", identity_table(taxonomy)),
                         (f"{taxonomy}_eskills.csv", skill_table(taxonomy).drop("node"))):
            written.append(write_with_manifest(df, folder / name, **manifest_fields(taxonomy, rows=df.height)))
        path = folder / f"{taxonomy}_graph.graphml"
        export_with_manifest(taxonomy, path, "graphml")
        written.append(path)
    return written


def warm_caches() -> None:
    """Embed what the interactive commands need, so that `exposure score` with free-text
    titles and `exposure lookup` answer fast afterwards: every taxonomy's title index and
    the nearest-occupation tables of the skill graphs."""
    from exposure.graph import neighbours
    from exposure.match import TAXONOMIES, title_index

    for taxonomy in TAXONOMIES:
        title_index(taxonomy).vectors
    for taxonomy in ("onet", "esco"):
        first = load("occupations", only=taxonomy)["occupation_code"].sort()[0]
        neighbours(taxonomy, first, k=1)


Stage = Callable[[str, float], None]  # called with a stage's name and its seconds when it ends
STAGES = ("tables", "scores", "graphs", "history", "report", "lookup caches")


def run(folder: Path, model_path: str | None = None, progress: Progress | None = None, *,
        ctx: RunContext | None = None, stage: Stage | None = None) -> list[Path]:
    """Build the tables, score everything, build the graphs and the report, warm the caches
    of the interactive commands; return the files written, the report's HTML last.

    ``ctx`` is the run context (default: the current one, with ``model_path`` if given);
    ``stage`` is told when each of :data:`STAGES` ends, with its time in seconds."""
    from exposure.history.outputs import write_outputs as write_history_outputs
    from exposure.report import build_report

    base = ctx or current()
    ctx = replace(base, model_path=model_path or base.model_path).resolved()
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write the results to {folder}: it is not a folder")
    written: list[Path] = []

    def step(name: str, work: Callable[[], object]) -> None:
        t = time.perf_counter()
        work()
        if stage:
            stage(name, time.perf_counter() - t)

    with use(ctx):
        step("tables", build_all)
        step("scores", lambda: written.extend(write_outputs(scores(progress=progress), folder)))
        step("graphs", lambda: written.extend(write_graph_outputs(folder)))
        step("history", lambda: written.extend(write_history_outputs(folder)))
        step("report", lambda: written.append(build_report(folder / "report")))
        step("lookup caches", warm_caches)
    return written
