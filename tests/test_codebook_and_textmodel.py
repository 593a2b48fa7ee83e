"""The codebook as reviewable data, structural labels, and the text model on known data."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from exposure.errors import DataError
from exposure.scoring import codebook as cb
from exposure.scoring.structural import task_labels
from exposure.scoring.textmodel import (
    TaskTextModel,
    conformal_scale,
    cross_validate,
    interval,
)


def test_codebook_codes_every_iwa_once_with_a_rationale(tables):
    book = cb.load()
    assert book.iwa.height == 332
    cb.check_coverage(book, tables["task_activities"])
    assert book.iwa["rationale"].str.len_chars().min() > 10
    assert book.dwa.height > 100 and set(book.dwa["dwa_id"]) <= set(tables["task_activities"]["dwa_id"])


def test_codebook_rejects_codes_off_the_scale(tmp_path):
    header = ("iwa_id,iwa_title,routinizability,person_bound,site_bound,material_bound,offshorability,"
              "e_skill_content,rationale\n")
    (tmp_path / "iwa.csv").write_text(header + "X1,t,0.3,0,0,0,1,0,because\n")
    (tmp_path / "dwa_overrides.csv").write_text(header.replace("iwa_id,iwa_title", "dwa_id,dwa_title"))
    with pytest.raises(DataError, match="X1 has a code off the scale"):
        cb.load(tmp_path)


def test_structural_labels_of_a_data_entry_task(tables):
    labels = task_labels(tables["task_activities"], cb.load())
    keyers = tables["tasks"].filter(pl.col("occupation_code") == "43-9021.00")["task_id"]
    lab = labels.filter(pl.col("task_id").is_in(keyers.implode()))
    assert lab["offshorability"].mean() > 0.6 and lab["person_bound"].mean() < 0.2
    roofers = tables["tasks"].filter(pl.col("occupation_code") == "47-2181.00")["task_id"]
    assert labels.filter(pl.col("task_id").is_in(roofers.implode()))["site_bound"].mean() > 0.8


def _synthetic(n=600, d=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    Y = np.clip(0.5 + 0.6 * X[:, :2] + rng.normal(scale=0.05, size=(n, 2)), 0, 1)
    return X, Y, np.repeat(np.arange(n // 6), 6)


def test_text_model_learns_and_its_conformal_intervals_cover():
    X, Y, groups = _synthetic()
    model = TaskTextModel(n_neighbors=10)
    oof = cross_validate(model, X[:400], Y[:400], groups[:400])
    q = conformal_scale(Y[:400], oof, 0.9)
    pred = model.fit(X[:400], Y[:400]).predict_full(X[400:])
    lo, hi = interval(pred, q)
    covered = ((Y[400:] >= lo) & (Y[400:] <= hi)).mean()
    assert 0.8 < covered <= 1.0
    assert np.corrcoef(pred.mean[:, 0], Y[400:, 0])[0, 1] > 0.8


def test_out_of_fold_neighbours_never_come_from_the_same_occupation():
    X, Y, groups = _synthetic()
    oof = cross_validate(TaskTextModel(n_neighbors=5), X, Y, groups)
    assert (groups[oof.neighbours] != groups[:, None]).all()


def test_neighbours_are_deterministic_with_duplicate_texts():
    X, Y, _ = _synthetic(60)
    X = np.concatenate([X, X])  # every vector twice: ties everywhere
    Y = np.concatenate([Y, Y])
    model = TaskTextModel(n_neighbors=4).fit(X, Y)
    a, _ = model.neighbours(X[:10])
    b, _ = model.neighbours(X[:10])
    assert (a == b).all()
    assert (a[:, 0] == np.arange(10)).all() and (a[:, 1] == np.arange(60, 70)).all()


def test_neighbour_search_in_small_blocks_finds_the_same_tasks(monkeypatch):
    """score-text searches in blocks of at most 32 MB to bound its memory; the nearest tasks
    must not depend on the block size, ties included (the similarities only to rounding: a
    matrix product of a few rows may sum in another order)."""
    import exposure.scoring.textmodel as textmodel

    X, Y, _ = _synthetic(300)
    X = np.concatenate([X, X])  # ties at every rank
    model = TaskTextModel(n_neighbors=6).fit(X, np.concatenate([Y, Y]))
    whole = model.neighbours(X[:250])
    monkeypatch.setattr(textmodel, "_BLOCK_BYTES", 4 * len(X) * 7)  # blocks of 7 queries
    blocks = model.neighbours(X[:250])
    assert (whole[0] == blocks[0]).all()
    assert np.abs(whole[1] - blocks[1]).max() < 1e-6
