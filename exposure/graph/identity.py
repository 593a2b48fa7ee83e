"""Occupational identity measures: how specific, generic and substitutable a skill profile is.

For an occupation o in ISCO-08 sub-major group g with edge weights w(o, s):

- ``specificity``: share of o's skill weight on skills *rare outside g*. A skill is rare
  outside g when the occupations outside g that hold it are at most ``rare_share`` (1%) of
  all occupations outside g (ESCO: at most 29 of about 2,950; O*NET: at most 9 of about
  960). Occupations without a sub-major group are treated as one group of their own.
- ``e_skill_share`` and ``generic_share``: share of o's skill weight on e-skills and on
  generic skills (:mod:`exposure.graph.eskills`).
- ``substitutability``: the number of occupations in *other* sub-major groups whose skill
  profile has a cosine similarity >= ``overlap_threshold`` (0.4) with o's (cosine of the
  weight vectors).
- ``identity_dissolution`` = mean of (1 - specificity), generic_share, e_skill_share and
  substitutability / (substitutability + ``half_saturation``), with half_saturation 10
  occupations: in [0, 1], 0 for a profile of rare skills that no other group shares, near
  1 for a profile of generic e-skills that many other groups share.

An occupation without skills gets null measures.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl
from scipy import sparse

from exposure.graph.profiles import Profiles, cosine, profiles


@dataclass(frozen=True)
class IdentityParams:
    """Thresholds of the identity measures (see the module docstring)."""

    rare_share: float = 0.01
    overlap_threshold: float = 0.4
    half_saturation: float = 10.0


def _group_onehot(labels: np.ndarray) -> tuple[np.ndarray, sparse.csr_matrix]:
    groups, index = np.unique(labels.astype(str), return_inverse=True)
    M = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), index)), shape=(len(labels), len(groups)))
    return index, M


def rare_outside(P: Profiles, rare_share: float) -> sparse.csr_matrix:
    """1 on each edge (o, s) whose skill s is rare outside o's sub-major group, as a matrix
    shaped like ``P.W``."""
    B = P.holds.tocoo()
    index, M = _group_onehot(P.submajor)
    in_group = np.asarray((M.T @ P.holds).todense())  # groups x skills: holders inside
    total = np.asarray(P.holds.sum(axis=0)).ravel()
    size = np.asarray(M.sum(axis=0)).ravel()
    g = index[B.row]
    outside = total[B.col] - in_group[g, B.col]
    rare = outside <= rare_share * (len(P.occupations) - size[g]) + 1e-9
    return sparse.csr_matrix((rare.astype(np.float64), (B.row, B.col)), shape=P.W.shape)


def weight_share(P: Profiles, mask: sparse.spmatrix | np.ndarray) -> np.ndarray:
    """Share of each occupation's skill weight on the masked edges (or skill columns, for a
    1-d boolean array); NaN for an occupation without skills."""
    total = np.asarray(P.W.sum(axis=1)).ravel()
    if isinstance(mask, np.ndarray):
        part = np.asarray(P.W[:, np.flatnonzero(mask)].sum(axis=1)).ravel()
    else:
        part = np.asarray(P.W.multiply(mask).sum(axis=1)).ravel()
    return np.divide(part, total, out=np.full(len(total), np.nan), where=total > 0)


def substitutability(P: Profiles, threshold: float) -> np.ndarray:
    """Occupations in other sub-major groups with profile cosine >= threshold."""
    S = cosine(P.W)
    other = P.submajor[:, None] != P.submajor[None, :]
    return ((S >= threshold - 1e-12) & other).sum(axis=1).astype(np.int64)


def identity_measures(G: nx.Graph, e_skills: set[str], generic: set[str],
                      params: IdentityParams = IdentityParams()) -> pl.DataFrame:
    """Identity measures of every occupation node of ``G``, sorted by node.

    ``e_skills`` and ``generic`` are the skill node ids judged e-skills and generic.

    >>> G = nx.Graph()
    >>> G.add_node("occ:a", bipartite=0, isco08_submajor="25", isco08_major="2")
    >>> G.add_node("occ:b", bipartite=0, isco08_submajor="41", isco08_major="4")
    >>> G.add_nodes_from(["skill:own", "skill:mail"], bipartite=1)
    >>> G.add_edges_from([("occ:a", "skill:own"), ("occ:a", "skill:mail"), ("occ:b", "skill:mail")])
    >>> m = identity_measures(G, {"skill:mail"}, {"skill:mail"})
    >>> m.select("node", "specificity", "e_skill_share", "substitutability").rows()
    [('occ:a', 0.5, 0.5, 1), ('occ:b', 0.0, 1.0, 1)]
    """
    P = profiles(G)
    has = np.asarray(P.W.sum(axis=1)).ravel() > 0
    spec = weight_share(P, rare_outside(P, params.rare_share))
    e_share = weight_share(P, np.array([s in e_skills for s in P.skills], dtype=bool))
    g_share = weight_share(P, np.array([s in generic for s in P.skills], dtype=bool))
    sub = substitutability(P, params.overlap_threshold)
    sub_scaled = sub / (sub + params.half_saturation)
    dissolution = ((1 - spec) + g_share + e_share + sub_scaled) / 4
    df = pl.DataFrame({
        "node": P.occupations,
        "specificity": spec,
        "e_skill_share": e_share,
        "generic_share": g_share,
        "substitutability": np.where(has, sub, -1),
        "identity_dissolution": dissolution,
    })
    return df.with_columns(
        pl.col(pl.Float64).fill_nan(None),
        pl.when(pl.col("substitutability") >= 0).then(pl.col("substitutability")),
    ).sort("node")


MEASURES = ("specificity", "e_skill_share", "generic_share", "substitutability", "identity_dissolution")


def identity_by_unit_group(esco_identity: pl.DataFrame) -> pl.DataFrame:
    """ISCO-08 unit groups have no skill relations of their own: ESCO identity measures averaged over the ESCO occupations of each ISCO-08 unit
    group (ESCO classifies every occupation in one unit group): occupation_code (the unit
    group), the mean of each measure, and n_esco."""
    cols = [c for c in MEASURES if c in esco_identity.columns]
    return (
        esco_identity.filter(pl.col("isco08").is_not_null())
        .group_by("isco08")
        .agg(*[pl.col(c).cast(pl.Float64).mean() for c in cols], n_esco=pl.len())
        .rename({"isco08": "occupation_code"})
        .sort("occupation_code")
    )
