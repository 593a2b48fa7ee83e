"""Transitions: the occupations nearest to one occupation, with their exposure.

``similarity`` = (skill_overlap + task_similarity) / 2, where

- ``skill_overlap`` is the cosine similarity of the two skill-weight profiles (as in the
  identity measures);
- ``task_similarity`` is the cosine similarity of the two occupations' task vectors. An
  O*NET occupation's task vector is the mean of its task statements' embeddings, weighted
  by task weight (Core 2, Supplemental 1); an O*NET occupation without task statements and
  every ESCO occupation (ESCO has no task statements) take the embedding of
  ``"<title>. <description>"`` instead (the same text the scoring uses for O*NET
  occupations without tasks). Embeddings: all-MiniLM-L6-v2, cached by text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from exposure.errors import InputError
from exposure.graph.eskills import Embedder
from exposure.graph.profiles import Profiles



def task_vectors(tables: Mapping[str, pl.DataFrame], taxonomy: str, codes: list[str],
                 embed_fn: Embedder) -> np.ndarray:
    """One L2-normalised vector per occupation code (rows in the order of ``codes``)."""
    tasks = tables["tasks"].filter(pl.col("taxonomy") == taxonomy) if "tasks" in tables else None
    occ = tables["occupations"].filter(pl.col("taxonomy") == taxonomy)
    text = dict(occ.select("occupation_code", pl.col("title") + ". " + pl.col("description").fill_null(""))
                .iter_rows())
    vectors: dict[str, np.ndarray] = {}
    if tasks is not None and tasks.height:
        X = embed_fn(tasks["task_text"].to_list())
        w = tasks["weight"].to_numpy()
        for code, idx in tasks.with_row_index().group_by("occupation_code").agg("index").iter_rows():
            vectors[code] = (X[idx] * w[idx, None]).sum(axis=0)
    rest = [c for c in codes if c not in vectors]
    if rest:
        vectors.update(zip(rest, embed_fn([text.get(c, c) for c in rest])))
    V = np.stack([vectors[c] for c in codes]).astype(np.float64)
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    return np.divide(V, norms, out=np.zeros_like(V), where=norms > 0)


def nearest_all(P: Profiles, V: np.ndarray, k: int, rows: Sequence[int] | None = None) -> pl.DataFrame:
    """For each occupation row in ``rows`` (default: all), its k most similar occupations:
    ``node``, ``neighbour``, ``skill_overlap``, ``task_similarity``, ``similarity``; sorted by
    node, then similarity (highest first), then neighbour; an occupation is not its own
    neighbour."""
    rows = np.arange(len(P.occupations)) if rows is None else np.asarray(rows)
    W = P.W
    norms = np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
    dots = np.asarray((W[rows] @ W.T).todense())
    denom = norms[rows, None] * norms[None, :]
    skill = np.clip(np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 0), 0.0, 1.0)
    task = V[rows] @ V.T
    sim = (skill + task) / 2
    sim[np.arange(len(rows)), rows] = -np.inf  # not its own neighbour
    names = np.asarray(P.occupations)
    k = min(k, len(names) - 1)
    order = np.lexsort((np.broadcast_to(np.arange(len(names)), sim.shape), -sim), axis=1)[:, :k]
    pick = np.arange(len(rows))[:, None]
    return pl.DataFrame({
        "node": np.repeat(names[rows], k),
        "neighbour": names[order].ravel(),
        "skill_overlap": skill[pick, order].ravel(),
        "task_similarity": task[pick, order].ravel(),
        "similarity": sim[pick, order].ravel(),
    })


def nearest(P: Profiles, V: np.ndarray, node: str, k: int) -> pl.DataFrame:
    """The k occupations most similar to ``node``: ``node``, ``skill_overlap``,
    ``task_similarity``, ``similarity``; sorted by similarity, then node; ``node`` excluded."""
    if node not in P.occupations:
        raise InputError(f"no occupation node {node!r} in the graph")
    near = nearest_all(P, V, k, [P.occupations.index(node)])
    return near.select(node="neighbour", skill_overlap="skill_overlap", task_similarity="task_similarity",
                       similarity="similarity")
