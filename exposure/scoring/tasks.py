"""Task scores: structural (codebook) evidence and the text model, combined.

For every O*NET task with work-activity links, the structural label ``S`` is the mean code
of its activities (:mod:`exposure.scoring.structural`) and the text model's out-of-fold
prediction ``T`` comes from models that never saw the task's occupation. The task score is
``(S + T) / 2``; its interval is the envelope of the activity codes' range, the text
model's conformal interval and the point itself. Tasks without links (301 O*NET tasks,
every ISCO-08 task, any user text) get the text model alone with its conformal interval.

``place_boundness`` is the maximum of the person-, site- and material-bound components
(point and interval bounds alike): a task is as bound as its strongest tie.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from exposure.scoring import codebook as cb
from exposure.scoring.structural import task_labels
from exposure.scoring.textmodel import (
    Prediction,
    TaskTextModel,
    conformal_quantile,
    conformal_scale,
    cross_validate,
    held_out_coverage,
    interval,
)

N_SPLITS = 5
N_EVIDENCE = 3
RANDOM_STATE = 0  # recorded in manifests; the pipeline has no random step (grouped folds are not shuffled)


@dataclass
class TextFit:
    """The text model fitted on every coded O*NET task, with its calibration."""

    model: TaskTextModel
    q: np.ndarray  # conformal scale per coded construct, task level
    q_occupation: np.ndarray  # conformal scale per coded construct, occupation level
    train: pl.DataFrame  # task_id, occupation_code, task_text of the training rows, in order
    oof: Prediction
    labels: np.ndarray
    metrics: pl.DataFrame = field(default_factory=pl.DataFrame)


def _metrics(Y: np.ndarray, oof: Prediction, q: np.ndarray, coverage: float) -> pl.DataFrame:
    lo, hi = interval(oof, q)
    held_out = held_out_coverage(Y, oof.mean, oof.sigma, oof.fold, coverage)
    rows = []
    for j, c in enumerate(cb.CODED):
        y, p = Y[:, j], oof.mean[:, j]
        ss_res, ss_tot = float(((y - p) ** 2).sum()), float(((y - y.mean()) ** 2).sum())
        rows.append({
            "construct": c,
            "n_tasks": len(y),
            "pearson_r": float(np.corrcoef(y, p)[0, 1]),
            "r2": 1 - ss_res / ss_tot,
            "mae": float(np.abs(y - p).mean()),
            "interval_coverage": float(held_out[j]),
            "mean_interval_width": float((hi[:, j] - lo[:, j]).mean()),
        })
    return pl.DataFrame(rows)


def fit_text_model(tasks: pl.DataFrame, labels: pl.DataFrame, X: np.ndarray, model: TaskTextModel) -> TextFit:
    """Cross-validate by occupation, calibrate, then fit on all coded tasks.

    ``tasks`` and ``X`` are aligned; ``labels`` holds the structural labels by task_id.
    """
    coded = tasks.with_row_index("row").join(labels, on="task_id", how="inner").sort("row")
    rows = coded["row"].to_numpy()
    Y = coded.select(cb.CODED).to_numpy()
    Xc = X[rows]
    oof = cross_validate(model, Xc, Y, coded["occupation_code"].to_numpy(), n_splits=N_SPLITS)
    q = conformal_scale(Y, oof, model.coverage)
    final = TaskTextModel(**model.get_params()).fit(Xc, Y)
    train = coded.select("task_id", "occupation_code", "task_text")
    q_occ, occ_metrics = occupation_calibration(coded, Y, oof, model.coverage)
    metrics = _metrics(Y, oof, q, model.coverage).join(occ_metrics, on="construct")
    return TextFit(final, q, q_occ, train, oof, Y, metrics)


def occupation_calibration(coded: pl.DataFrame, Y: np.ndarray, oof: Prediction,
                           coverage: float) -> tuple[np.ndarray, pl.DataFrame]:
    """Conformal scale for occupation scores: per construct, the ``coverage`` quantile over
    O*NET occupations of |mean codebook label - mean out-of-fold prediction| divided by the
    mean task sigma (task weights throughout). The errors of one occupation's tasks are
    correlated by an unknown amount; calibrating on occupation means measures it."""
    w = coded["weight"].to_numpy()
    groups = coded["occupation_code"].to_numpy()
    frame = pl.DataFrame({"occ": groups, "w": w, "fold": oof.fold})
    cols = {}
    for j, c in enumerate(cb.CODED):
        cols[f"y{j}"], cols[f"p{j}"], cols[f"s{j}"] = Y[:, j], oof.mean[:, j], oof.sigma[:, j]
    frame = frame.with_columns(**{k: pl.Series(v) for k, v in cols.items()})
    means = frame.group_by("occ").agg(
        pl.col("fold").first(), *[((pl.col(k) * pl.col("w")).sum() / pl.col("w").sum()).alias(k) for k in cols]
    ).sort("occ")
    folds = means["fold"].to_numpy()
    q, rows = np.zeros(len(cb.CODED)), []
    n = means.height
    for j, c in enumerate(cb.CODED):
        y, p, s = (means[f"{x}{j}"].to_numpy() for x in ("y", "p", "s"))
        q[j] = conformal_quantile(np.abs(y - p) / s, coverage)
        held_out = held_out_coverage(y[:, None], p[:, None], s[:, None], folds, coverage)[0]
        rows.append({
            "construct": c,
            "occupations": n,
            "occupation_pearson_r": float(np.corrcoef(y, p)[0, 1]),
            "occupation_interval_coverage": float(held_out),
            "occupation_mean_interval_width": float(np.mean(np.clip(p + q[j] * s, 0, 1) - np.clip(p - q[j] * s, 0, 1))),
        })
    return q, pl.DataFrame(rows)


def _nearest(fit: TextFit, neighbours: np.ndarray, similarity: np.ndarray) -> list[list[str]]:
    texts = fit.train["task_text"].to_list()
    occs = fit.train["occupation_code"].to_list()
    off = cb.CODED.index("offshorability")
    out = []
    for idx_row, sim_row in zip(neighbours[:, :N_EVIDENCE], similarity[:, :N_EVIDENCE]):
        out.append([
            f'nearest coded task: "{texts[i]}" [{occs[i]}, similarity {s:.2f}, '
            f"offshorability {fit.labels[i, off]:.2f}]"
            for i, s in zip(idx_row, sim_row)
        ])
    return out


def _frame(base: pl.DataFrame, point: np.ndarray, lo: np.ndarray, hi: np.ndarray, sigma: np.ndarray,
           evidence: list[list[str]], source: list[str]) -> pl.DataFrame:
    """Task scores; ``sigma_<construct>`` (the text model's spread) feeds the occupation
    intervals and is not part of the task output contract."""
    cols = {}
    for j, c in enumerate(cb.CODED):
        cols[c], cols[f"{c}_lo"], cols[f"{c}_hi"] = point[:, j], lo[:, j], hi[:, j]
        cols[f"sigma_{c}"] = sigma[:, j]
    comp = [cb.CODED.index(c) for c in cb.COMPONENTS]
    cols["place_boundness"] = point[:, comp].max(axis=1)
    cols["place_boundness_lo"] = lo[:, comp].max(axis=1)
    cols["place_boundness_hi"] = hi[:, comp].max(axis=1)
    scores = pl.DataFrame(cols).select(pl.all().round(4))
    return pl.concat([base, scores], how="horizontal").with_columns(
        pl.Series("evidence", evidence, dtype=pl.List(pl.String)),
        pl.Series("source", source, dtype=pl.String),
    )


def score_coded(fit: TextFit, tasks: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """Scores of the coded O*NET tasks: structural and out-of-fold text evidence combined."""
    lab = fit.train.select("task_id").join(labels, on="task_id", how="left")
    S = lab.select(cb.CODED).to_numpy()
    S_min = lab.select([f"{c}_min" for c in cb.CODED]).to_numpy()
    S_max = lab.select([f"{c}_max" for c in cb.CODED]).to_numpy()
    T_lo, T_hi = interval(fit.oof, fit.q)
    point = (S + fit.oof.mean) / 2.0
    lo = np.minimum.reduce([S_min, T_lo, point])
    hi = np.maximum.reduce([S_max, T_hi, point])
    evidence = [
        [f"activity: {a}" for a in acts] + near
        for acts, near in zip(lab["activities"].to_list(), _nearest(fit, fit.oof.neighbours, fit.oof.similarity))
    ]
    base = fit.train.join(tasks.drop("task_text", "occupation_code"), on="task_id", how="left")
    return _frame(base, point, lo, hi, fit.oof.sigma, evidence, ["codebook+text"] * len(base))


def score_texts(fit: TextFit, base: pl.DataFrame, X: np.ndarray) -> pl.DataFrame:
    """Scores of texts without activity links, from the text model alone."""
    if base.is_empty():
        return base
    pred = fit.model.predict_full(X)
    lo, hi = interval(pred, fit.q)
    return _frame(base, pred.mean, lo, hi, pred.sigma, _nearest(fit, pred.neighbours, pred.similarity),
                  ["text"] * len(base))


def score_all_tasks(tasks: pl.DataFrame, activities: pl.DataFrame, X: np.ndarray,
                    book: cb.Codebook, model: TaskTextModel | None = None) -> tuple[pl.DataFrame, TextFit]:
    """Scores for every row of ``tasks`` (aligned with the embeddings ``X``)."""
    cb.check_coverage(book, activities)
    labels = task_labels(activities, book)
    fit = fit_text_model(tasks, labels, X, model or TaskTextModel())
    coded = score_coded(fit, tasks, labels)
    rest_mask = ~tasks["task_id"].is_in(coded["task_id"].implode()) | (tasks["taxonomy"] != "onet")
    rest_rows = np.flatnonzero(rest_mask.to_numpy())
    rest = score_texts(fit, tasks[rest_rows], X[rest_rows])
    scored = pl.concat([coded, rest], how="diagonal_relaxed")
    return scored.sort("taxonomy", "task_id"), fit
