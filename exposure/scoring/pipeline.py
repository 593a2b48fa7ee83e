"""The scoring pipeline: canonical tables + embeddings + codebook -> task and occupation scores.

:func:`scores` returns the cached result when nothing it depends on changed (the tables'
cache keys, the codebook, the embedding model, the source of the whole ``exposure.scoring``
package and of ``exposure.embed``); otherwise it runs :func:`compute` and caches the result
as Parquet in the one disk cache (:mod:`exposure.cache`, entry ``scores/scores-<key>/``),
together with the fitted text model (``text_model.npz``, ``text_model_train.parquet``).
A damaged file there is reported and the scores are computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from exposure.cache import Entry, make_key, source_digest
from exposure.context import model_path as _context_model
from exposure.embed import embed, model_info
from exposure.scoring import codebook as cb
from taxonomies import load
from taxonomies.registry import cache_key, parts_of

RELEASES = ["onet", "isco08", "esco", "soc_crosswalks", "nesta_crosswalk", "oews"]
TABLES = ["tasks", "task_activities", "occupations", "crosswalk", "employment_us"]
CODE = ("exposure.scoring", "exposure.embed")  # the code the scores depend on, as whole packages
PARTS = ("tasks", "occupations", "cv_metrics", "agreement")
FIT_ARRAYS, FIT_TRAIN = "text_model.npz", "text_model_train.parquet"

Progress = Callable[[str, int, int], None]


@dataclass
class Scores:
    tasks: pl.DataFrame  # one row per task of every taxonomy
    occupations: pl.DataFrame  # one row per occupation of every taxonomy
    cv_metrics: pl.DataFrame  # text model vs codebook labels, out of fold
    agreement: pl.DataFrame  # ISCO-08 native vs O*NET crosswalk
    meta: dict[str, Any]  # manifest fields: model, codebook, parameters
    fit: Any = None  # the fitted text model (exposure.scoring.tasks.TextFit) when computed here


def score_key(model_path: str | None = None) -> str:
    """The scores' cache key: the tables read, the codebook, the model and the code."""
    return make_key(
        tables=[cache_key(part) for table in TABLES for part in parts_of(table)],
        codebook=cb.load().sha256,
        model=model_info(model_path).key,
        code=source_digest(*CODE),
    )


def _titles() -> pl.DataFrame:
    return load("occupations").select("taxonomy", "occupation_code", "title", "description")


def _description_scores(fit, q_occ: dict[str, float], onet_occ: pl.DataFrame, scored: set[str],
                        model_path: str | None, progress: Progress | None) -> pl.DataFrame:
    """O*NET occupations without task statements, scored from title and description."""
    from exposure.scoring import occupations as occ
    from exposure.scoring.tasks import score_texts

    rest = onet_occ.filter(~pl.col("occupation_code").is_in(sorted(scored)))
    if rest.is_empty():
        return rest
    texts = (rest["title"] + ". " + rest["description"].fill_null("")).to_list()
    X = embed(texts, model_path, _embed_progress(progress, "embedding descriptions"))
    base = rest.select("occupation_code").with_columns(
        taxonomy=pl.lit("onet"), weight=pl.lit(1.0), task_id=pl.lit(None, pl.String)
    )
    df = score_texts(fit, base, X)
    return occ.aggregate_tasks(df, q_occ).with_columns(n_tasks=pl.lit(0, pl.UInt32), source=pl.lit("description text"))


def _embed_progress(progress: Progress | None, label: str):
    return (lambda done, total: progress(label, done, total)) if progress else None


def compute(model_path: str | None = None, progress: Progress | None = None) -> Scores:
    """Score every task and occupation from the canonical tables (no score cache)."""
    # the modelling stack (scikit-learn, torch) is imported only when scores are computed,
    # so that reading cached scores stays fast
    from exposure.scoring import occupations as occ
    from exposure.scoring.tasks import N_SPLITS, RANDOM_STATE, score_all_tasks
    from exposure.scoring.textmodel import TaskTextModel

    book = cb.load()
    tasks = load("tasks")
    X = embed(tasks["task_text"].to_list(), model_path, _embed_progress(progress, "embedding tasks"))
    if progress:
        progress("fitting the text model", 0, 1)
    task_scores, fit = score_all_tasks(tasks, load("task_activities"), X, book, TaskTextModel())
    if progress:
        progress("fitting the text model", 1, 1)

    titles = _titles()
    q_occ = dict(zip(cb.CODED, map(float, fit.q_occupation)))
    native = occ.aggregate_tasks(task_scores, q_occ).with_columns(
        source=pl.when(pl.col("taxonomy") == "onet").then(pl.lit("onet tasks")).otherwise(pl.lit("isco tasks"))
    )
    onet_native = native.filter(pl.col("taxonomy") == "onet").drop("taxonomy")
    onet_all = pl.concat(
        [onet_native, _description_scores(fit, q_occ, titles.filter(pl.col("taxonomy") == "onet"),
                                          set(onet_native["occupation_code"]), model_path, progress)],
        how="diagonal_relaxed",
    )
    crosswalk, oews = load("crosswalk"), load("employment_us")
    via = occ.isco_via_onet(onet_all, crosswalk, oews)
    isco = occ.isco_scores(
        native.filter(pl.col("taxonomy") == "isco08").drop("taxonomy", "source"),
        via,
        titles.filter(pl.col("taxonomy") == "isco08"),
    )
    esco = occ.esco_scores(titles.filter(pl.col("taxonomy") == "esco"), isco, onet_all, crosswalk)
    occupations = pl.concat(
        [
            onet_all.with_columns(taxonomy=pl.lit("onet")),
            isco.with_columns(taxonomy=pl.lit("isco08")),
            esco.with_columns(taxonomy=pl.lit("esco")),
        ],
        how="diagonal_relaxed",
    )
    occupations = (
        titles.select("taxonomy", "occupation_code", "title")
        .join(occupations, on=["taxonomy", "occupation_code"], how="inner")
        .with_columns(pl.col(pl.Float64).round(4))
        .sort("taxonomy", "occupation_code")
    )
    meta = {
        "model": model_info(model_path).as_dict(),
        "codebook_sha256": book.sha256,
        "random_state": RANDOM_STATE,
        "cv": {"folds": N_SPLITS, "grouped_by": "occupation_code"},
        "text_model": {**fit.model.get_params(), "conformal_scale": dict(zip(cb.CODED, map(float, fit.q))),
                       "conformal_scale_occupation": q_occ},
    }
    return Scores(task_scores, occupations, fit.metrics, occ.agreement(isco), meta, fit)


def _entry(model_path: str | None) -> Entry:
    return Entry("scores", "scores", score_key(model_path))


def _folder(model_path: str | None) -> Path:
    return _entry(model_path).folder


def _read_cached(entry: Entry) -> Scores | None:
    """The cached scores if every file is present and intact, else None."""
    meta = entry.read_json("meta.json")
    if meta is None:
        return None
    frames = {name: entry.read_parquet(f"{name}.parquet") for name in PARTS}
    if any(df is None for df in frames.values()):
        return None
    return Scores(**frames, meta=meta)


def scores(model_path: str | None = None, rebuild: bool = False, progress: Progress | None = None) -> Scores:
    """Cached scores, computed when missing, damaged or when ``rebuild`` is set
    (``model_path=None``: the run context's model)."""
    from taxonomies import sources

    model_path = _context_model(model_path)
    for release in RELEASES:  # a damaged release is an error, never silently stale scores
        sources.verify(release)
    entry = _entry(model_path)
    if not rebuild:
        cached = _read_cached(entry)
        if cached is not None:
            return cached
    result = compute(model_path, progress)
    for name in PARTS:
        entry.write_parquet(f"{name}.parquet", getattr(result, name))
    _save_fit(result.fit, entry)
    entry.write_json("meta.json", result.meta)  # last: its presence says the entry is complete
    return result


def _save_fit(fit, entry: Entry) -> None:
    """The fitted text model beside the scores: the ridge weights, the training labels and
    the conformal scales (the training embeddings stay in the embedding cache)."""
    def arrays(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            np.savez(fh, coef=fit.model.ridge_.coef_, intercept=fit.model.ridge_.intercept_, labels=fit.labels,
                     q=fit.q, q_occupation=fit.q_occupation)

    entry.write(FIT_ARRAYS, arrays)
    entry.write_parquet(FIT_TRAIN, fit.train)


def text_fit(model_path: str | None = None, progress: Progress | None = None):
    """The text model fitted on every coded O*NET task (an
    :class:`exposure.scoring.tasks.TextFit` without its out-of-fold part), read back from the
    score cache; the scores are computed first when they are not cached."""
    from sklearn.linear_model import Ridge

    from exposure.scoring.tasks import TextFit
    from exposure.scoring.textmodel import TaskTextModel

    model_path = _context_model(model_path)
    entry = _entry(model_path)

    def read() -> tuple[Any, Any, Any] | None:
        arrays = entry.read(FIT_ARRAYS, lambda p: dict(np.load(p)))
        train = entry.read_parquet(FIT_TRAIN)
        meta = entry.read_json("meta.json")
        return None if arrays is None or train is None or meta is None else (arrays, train, meta)

    found = read()
    if found is None:
        result = scores(model_path, rebuild=True, progress=progress)
        found = read()
        if found is None:  # the cache cannot be written: use the fit just computed
            return result.fit
    arrays, train, meta = found
    model = TaskTextModel(**{k: v for k, v in meta["text_model"].items() if k in TaskTextModel().get_params()})
    ridge = Ridge(alpha=model.alpha)
    ridge.coef_, ridge.intercept_ = arrays["coef"], arrays["intercept"]
    ridge.n_features_in_ = ridge.coef_.shape[1]
    model.ridge_, model.Y_ = ridge, arrays["labels"]
    model.X_ = embed(train["task_text"].to_list(), model_path, _embed_progress(progress, "embedding coded tasks"))
    return TextFit(model, arrays["q"], arrays["q_occupation"], train, oof=None, labels=arrays["labels"])


def score_text(texts: Sequence[str], model_path: str | None = None, progress: Progress | None = None) -> pl.DataFrame:
    """Scores of any task texts (one row per text, in order) from the fitted text model:
    each construct with its 90% interval, the text model's spread and the nearest coded
    tasks as evidence.

    >>> score_text(["Enter data from source documents into a computer."])["offshorability"][0]  # doctest: +SKIP
    0.8
    """
    from exposure.scoring.tasks import score_texts

    model_path = _context_model(model_path)
    fit = text_fit(model_path, progress)
    X = embed(list(texts), model_path, _embed_progress(progress, "embedding texts"))
    return score_texts(fit, pl.DataFrame({"text": list(texts)}, schema={"text": pl.String}), X)


__all__ = ["Scores", "compute", "score_text", "scores", "text_fit"]
