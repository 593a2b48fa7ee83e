"""Boundaries: do skill-based communities of occupations follow the ISCO-08 major groups?

- The *projection* joins each occupation to its ``k`` (10) most similar occupations by
  cosine similarity of their skill-weight profiles (cosine > 0); the edge weight is the
  cosine. A k-nearest-neighbour graph keeps every occupation connected without letting a
  few generic skills join everything to everything.
- *Communities*: Louvain (networkx ``louvain_communities``, weight = cosine, resolution 1,
  seed 0) on the projection, once with all skills, once with the e-skill columns removed
  from the profiles and once with every generic skill removed. Occupations without skills
  are left out.
- *Agreement* with the ISCO-08 major groups (and, for reference, sub-major groups):
  normalised mutual information (arithmetic mean) and adjusted Rand index (scikit-learn).
  A higher agreement without e-skills means the generic e-skills blur the official
  boundaries.
- *Bridging skills*: betweenness centrality of the skill nodes in the bipartite graph,
  estimated from ``n_sources`` (512) source nodes drawn with a fixed seed (Brandes'
  algorithm, sampled as in networkx, run on sparse matrices a batch of sources at a time).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
from scipy import sparse

from exposure.graph.profiles import Profiles, cosine

SEED = 0
K_NEIGHBOURS = 10
N_SOURCES = 512
BATCH = 128


def projection(P: Profiles, k: int = K_NEIGHBOURS) -> pl.DataFrame:
    """The occupation-occupation k-nearest-neighbour graph as ``occ_a < occ_b, weight``."""
    S = cosine(P.W)
    np.fill_diagonal(S, 0.0)
    k = min(k, max(len(S) - 1, 0))
    if k == 0:
        return pl.DataFrame(schema={"occ_a": pl.String, "occ_b": pl.String, "weight": pl.Float64})
    # stable order: highest similarity first, ties by node order
    order = np.argsort(-S, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(len(S)), k)
    cols = order.ravel()
    keep = S[rows, cols] > 0
    a, b = np.minimum(rows, cols)[keep], np.maximum(rows, cols)[keep]
    names = np.array(P.occupations, dtype=object)
    df = pl.DataFrame({"occ_a": names[a], "occ_b": names[b], "weight": S[a, b]}, schema_overrides={
        "occ_a": pl.String, "occ_b": pl.String})
    return df.unique(["occ_a", "occ_b"]).sort("occ_a", "occ_b")


def communities(edges: pl.DataFrame, seed: int = SEED) -> pl.DataFrame:
    """Louvain communities of a projection: ``node``, ``community`` (0 = the largest)."""
    H = nx.Graph()
    H.add_weighted_edges_from(edges.select("occ_a", "occ_b", "weight").iter_rows())
    found = nx.community.louvain_communities(H, weight="weight", resolution=1.0, seed=seed)
    found = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    rows = [(n, i) for i, c in enumerate(found) for n in c]
    return pl.DataFrame(rows, schema={"node": pl.String, "community": pl.Int64}, orient="row").sort("node")


def agreement(found: pl.DataFrame, major: dict[str, str]) -> dict[str, float]:
    """NMI and ARI of communities against ISCO-08 major groups (occupations having both)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    df = found.filter(pl.col("node").is_in(list(major)))
    truth = [major[n] for n in df["node"]]
    pred = df["community"].to_list()
    return {
        "n_communities": int(df["community"].n_unique()),
        "nmi": float(normalized_mutual_info_score(truth, pred)),
        "ari": float(adjusted_rand_score(truth, pred)),
    }


def _bfs_batch(A: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Brandes' dependencies delta[v, j] of every node v for the sources (one per column)."""
    n, b = A.shape[0], len(sources)
    cols = np.arange(b)
    dist = np.full((n, b), -1, dtype=np.int32)
    sigma = np.zeros((n, b))
    dist[sources, cols] = 0
    sigma[sources, cols] = 1.0
    frontier = sigma.copy()
    d = 0
    while frontier.any():
        reach = A @ frontier
        new = (dist < 0) & (reach > 0)
        d += 1
        dist[new] = d
        sigma[new] = reach[new]
        frontier = np.where(new, reach, 0.0)
    delta = np.zeros((n, b))
    for level in range(d, 0, -1):
        at = dist == level
        coeff = np.where(at, (1.0 + delta) / np.where(sigma > 0, sigma, 1.0), 0.0)
        back = A @ coeff
        parent = dist == level - 1
        delta[parent] += (sigma * back)[parent]
    delta[sources, cols] = 0.0
    return delta


def betweenness(G: nx.Graph, n_sources: int | None = N_SOURCES, seed: int = SEED) -> dict[str, float]:
    """Normalised betweenness centrality (endpoints excluded) of every node, unweighted.

    With ``n_sources`` None (or >= the number of nodes) it is exact and equals
    ``nx.betweenness_centrality(G)``; otherwise sources are drawn without replacement from
    the sorted nodes with ``numpy.random.default_rng(seed)`` and rescaled as networkx does.

    >>> b = betweenness(nx.path_graph(["a", "b", "c"]), None)
    >>> b["b"], b["a"]
    (1.0, 0.0)
    """
    nodes = sorted(G)
    n = len(nodes)
    if n < 3:
        return dict.fromkeys(nodes, 0.0)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=None, format="csr").astype(np.float64)
    A = sparse.csr_matrix(A)
    exact = n_sources is None or n_sources >= n
    sources = np.arange(n) if exact else np.sort(np.random.default_rng(seed).choice(n, n_sources, replace=False))
    total = np.zeros(n)
    for start in range(0, len(sources), BATCH):
        total += _bfs_batch(A, sources[start:start + BATCH]).sum(axis=1)
    if exact:
        scale = np.full(n, 1.0 / ((n - 1) * (n - 2)))
    else:
        k = len(sources)
        scale = np.full(n, 1.0 / (k * (n - 2)))
        scale[sources] = 1.0 / ((k - 1) * (n - 2)) if k > 1 else np.nan
    return dict(zip(nodes, (total * scale).tolist()))
