"""The text model: from a task's embedding to its construct scores, with an interval.

:class:`TaskTextModel` is a two-member ensemble on L2-normalised sentence embeddings:

- a ridge regression (``alpha`` 0.3, the value generalised cross-validation picks from
  0.1-10 on the coded O*NET tasks), and
- a k-nearest-neighbour regression (cosine similarity, similarity-weighted mean of the
  k most similar coded tasks).

The prediction is their mean, clipped to [0, 1]. Its spread ``sigma`` combines the
disagreement of the k neighbours (their weighted standard deviation) with the
disagreement of the two members. Intervals are normalised split-conformal: on
out-of-fold predictions, ``q`` is the ``coverage`` quantile of ``|y - pred| / sigma``,
and a new task's interval is ``pred +- q * sigma`` (clipped to [0, 1]).

:func:`cross_validate` gives out-of-fold predictions with folds grouped by occupation,
so no task is predicted by a model that saw its own occupation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.model_selection import GroupKFold

SIGMA_FLOOR = 0.02
_BLOCK_BYTES = 32 << 20  # the similarity block of the neighbour search, at most
_SPARE = 8  # extra candidates so that ties at the k-th place resolve by row order


@dataclass
class Prediction:
    """Predictions for n texts on m constructs."""

    mean: np.ndarray  # (n, m)
    sigma: np.ndarray  # (n, m)
    neighbours: np.ndarray  # (n, k) row indices into the training set, most similar first
    similarity: np.ndarray  # (n, k)
    fold: np.ndarray | None = None  # (n,) cross-validation fold of each row, out of fold only


class TaskTextModel(RegressorMixin, BaseEstimator):
    """Ridge + kNN ensemble on embeddings; see the module docstring.

    Parameters
    ----------
    alpha : float
        Ridge penalty.
    n_neighbors : int
        Neighbours for the kNN member and the spread.
    coverage : float
        Target coverage of the conformal intervals.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 8)); X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> Y = np.clip(X[:, :2] * 0.5 + 0.5, 0, 1)
    >>> model = TaskTextModel(n_neighbors=5).fit(X, Y)
    >>> model.predict(X[:3]).shape
    (3, 2)
    """

    def __init__(self, alpha: float = 0.3, n_neighbors: int = 15, coverage: float = 0.9):
        self.alpha = alpha
        self.n_neighbors = n_neighbors
        self.coverage = coverage

    def fit(self, X: np.ndarray, Y: np.ndarray) -> TaskTextModel:
        X = np.asarray(X, dtype=np.float32)
        Y = np.asarray(Y, dtype=np.float64)
        self.ridge_ = Ridge(alpha=self.alpha).fit(X, Y)
        self.X_ = X
        self.Y_ = Y
        return self

    def neighbours(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The k most similar training rows (cosine), ties broken by row order.

        The queries go through in blocks whose similarities to the training rows take at most
        ``_BLOCK_BYTES`` (453 queries against 18,495 coded tasks): a block of 2,048 took 151 MB
        and set the peak memory of ``exposure score-text``. Each row's top k is its own, so
        the block size changes the neighbours only where a product of a few rows rounds
        differently: on the coded tasks, blocks of 128 to 4,096 rows gave identical
        neighbours and similarities, and were no slower."""
        import torch

        k = min(self.n_neighbors, len(self.X_))
        rows = max(1, _BLOCK_BYTES // (np.dtype(np.float32).itemsize * len(self.X_)))  # the block is float32
        m = min(k + _SPARE, len(self.X_))
        train = torch.from_numpy(self.X_)
        idx = np.empty((len(X), k), dtype=np.int64)
        sim = np.empty((len(X), k), dtype=np.float32)
        for start in range(0, len(X), rows):
            block = torch.from_numpy(np.ascontiguousarray(X[start : start + rows], dtype=np.float32))
            values, top = torch.topk(block @ train.T, m, dim=1)
            values, top = values.numpy(), top.numpy()
            order = np.lexsort((top, -values), axis=1)[:, :k]
            idx[start : start + rows] = np.take_along_axis(top, order, axis=1)
            sim[start : start + rows] = np.take_along_axis(values, order, axis=1)
        return idx, sim

    def predict_full(self, X: np.ndarray) -> Prediction:
        X = np.asarray(X, dtype=np.float32)
        ridge = np.clip(self.ridge_.predict(X), 0.0, 1.0)
        idx, sim = self.neighbours(X)
        w = np.clip(sim, 1e-3, None).astype(np.float64)
        w /= w.sum(axis=1, keepdims=True)
        labels = self.Y_[idx]  # (n, k, m)
        knn = np.einsum("nk,nkm->nm", w, labels)
        spread = np.sqrt(np.einsum("nk,nkm->nm", w, (labels - knn[:, None, :]) ** 2))
        mean = np.clip((ridge + knn) / 2.0, 0.0, 1.0)
        sigma = np.sqrt(spread**2 + ((ridge - knn) / 2.0) ** 2) + SIGMA_FLOOR
        return Prediction(mean, sigma, idx, sim)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.predict_full(X).mean


def cross_validate(model: TaskTextModel, X: np.ndarray, Y: np.ndarray, groups: np.ndarray,
                   n_splits: int = 5) -> Prediction:
    """Out-of-fold predictions, folds grouped by ``groups`` (occupations); neighbour indices
    refer to rows of ``X``."""
    n, m = Y.shape
    k = min(model.n_neighbors, n)
    out = Prediction(np.zeros((n, m)), np.zeros((n, m)), np.zeros((n, k), np.int64), np.zeros((n, k), np.float32),
                     np.zeros(n, np.int64))
    for fold_id, (train, test) in enumerate(GroupKFold(n_splits=n_splits).split(X, Y, groups)):
        out.fold[test] = fold_id
        fold = TaskTextModel(**model.get_params()).fit(X[train], Y[train])
        p = fold.predict_full(X[test])
        out.mean[test], out.sigma[test] = p.mean, p.sigma
        out.neighbours[test], out.similarity[test] = train[p.neighbours], p.similarity
    return out


def conformal_quantile(scores: np.ndarray, coverage: float) -> np.ndarray:
    """The finite-sample conformal quantile of nonconformity ``scores`` (per column): the
    ceil((n + 1) * coverage) / n empirical quantile."""
    n = len(scores)
    return np.quantile(scores, min(1.0, np.ceil((n + 1) * coverage) / n), axis=0, method="higher")


def conformal_scale(Y: np.ndarray, oof: Prediction, coverage: float) -> np.ndarray:
    """Per construct, the conformal quantile of ``|y - pred| / sigma``."""
    return conformal_quantile(np.abs(Y - oof.mean) / oof.sigma, coverage)


def held_out_coverage(y: np.ndarray, pred: np.ndarray, sigma: np.ndarray, fold: np.ndarray,
                      coverage: float) -> np.ndarray:
    """Cross-conformal check: for each fold, the scale is calibrated on the other folds and
    the coverage measured on this one. Returns, per construct (columns), the share of rows
    whose label falls inside its interval. Unlike the coverage of intervals calibrated on
    the same rows, this can fall short of ``coverage``."""
    inside = np.zeros_like(y, dtype=bool)
    for f in np.unique(fold):
        rest, here = fold != f, fold == f
        q = conformal_quantile(np.abs(y[rest] - pred[rest]) / sigma[rest], coverage)
        inside[here] = np.abs(y[here] - pred[here]) <= q * sigma[here]
    return inside.mean(axis=0)


def interval(pred: Prediction, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.clip(pred.mean - q * pred.sigma, 0, 1), np.clip(pred.mean + q * pred.sigma, 0, 1)
