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
- ``technology_e_skill_share``: of the occupation's technology edges (O*NET Technology
  Skills commodities, skill ``kind`` "technology"), the share that are e-skills; null
  without technology edges (every ESCO occupation).
- ``e_skill_overlap``: of what the occupation's skill profile shares with occupations of
  *other* sub-major groups (the sum of its cosine similarities to them), the share that runs
  through e-skills. 0 when it overlaps with others only through machine, sector or
  professional skills; 1 when only through e-skills.
- ``e_skill_content``: the occupation's task-level e-skill content (the exposure score of the
  same name, a node attribute of the occupation): how far its tasks are generic information
  handling done on a screen with generic e-skills.

**Identity dissolution into e-skills** (``identity_dissolution``), in [0, 1]:

    identity_dissolution = e_skill_content x (1 + e_skill_profile) / 2

with ``e_skill_profile`` the mean of the profile parts the occupation has
(technology_e_skill_share, e_skill_overlap; ESCO has only the overlap). In one sentence:
*the share of an occupation's work that is generic screen work with generic e-skills,
counted in full when its technology and its ties to other occupations also run through
e-skills, and at half when they do not*. The tasks decide (0 for work without screen work,
whatever the profile); the profile can only confirm. So a profile shared only through
machine or sector skills cannot raise it, and neither can a technology list of office
software beside manual work (O*NET lists office suites for sewing machine operators).
Specificity, generic share and substitutability stay as separate columns; they are not
part of it.

An occupation without skills gets null measures (e_skill_content stays).
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


def e_skill_overlap(P: Profiles, e_mask: np.ndarray) -> np.ndarray:
    """Per occupation, the share of its profile cosine with occupations of other sub-major
    groups that comes from e-skills (``e_mask``: boolean per skill column); NaN without
    any overlap.

    The cosine of unit-length rows splits over skills: cos(o, p) = sum_s u_os u_ps, so the
    e-skill part is the same sum over the e-skill columns.
    """
    norms = np.sqrt(np.asarray(P.W.multiply(P.W).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    U = (sparse.diags(inv) @ P.W).tocsr()
    other = P.submajor[:, None] != P.submajor[None, :]
    total = np.asarray((U @ U.T).todense())
    Ue = U[:, np.flatnonzero(e_mask)]
    part = np.asarray((Ue @ Ue.T).todense())
    num = (part * other).sum(axis=1)
    den = (total * other).sum(axis=1)
    return np.divide(num, den, out=np.full(len(den), np.nan), where=den > 1e-12)


def kind_share(G: nx.Graph, P: Profiles, mask: np.ndarray, kind: str) -> np.ndarray:
    """Share of each occupation's edges to skills of ``kind`` that fall on ``mask``; NaN
    without such edges."""
    of_kind = np.array([G.nodes[s].get("kind") == kind for s in P.skills], dtype=bool)
    H = P.holds
    total = np.asarray(H[:, np.flatnonzero(of_kind)].sum(axis=1)).ravel()
    part = np.asarray(H[:, np.flatnonzero(of_kind & mask)].sum(axis=1)).ravel()
    return np.divide(part, total, out=np.full(len(total), np.nan), where=total > 0)


DISSOLUTION_PARTS = ("e_skill_content", "technology_e_skill_share", "e_skill_overlap")
PROFILE_PARTS = DISSOLUTION_PARTS[1:]


def dissolution(df: pl.DataFrame) -> pl.Expr:
    """identity_dissolution = e_skill_content x (1 + e_skill_profile) / 2, e_skill_profile
    the mean of the profile parts present; null without a profile part or a task score.

    >>> df = pl.DataFrame({"e_skill_content": [0.6, 0.06], "technology_e_skill_share": [0.9, 1.0],
    ...                    "e_skill_overlap": [0.5, 0.8]})
    >>> df.select(dissolution(df))["identity_dissolution"].round(3).to_list()  # a clerk, a machine operator
    [0.51, 0.057]
    """
    parts = [c for c in PROFILE_PARTS if c in df.columns]
    n = pl.sum_horizontal(*[pl.col(c).is_not_null().cast(pl.Int64) for c in parts])
    profile = pl.sum_horizontal(*[pl.col(c).fill_null(0.0) for c in parts]) / n
    return pl.when(n > 0).then(pl.col("e_skill_content") * (1 + profile) / 2).alias("identity_dissolution")


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
    >>> m.select("node", "specificity", "e_skill_share", "substitutability", "e_skill_overlap").rows()
    [('occ:a', 0.5, 0.5, 1, 1.0), ('occ:b', 0.0, 1.0, 1, 1.0)]
    """
    P = profiles(G)
    has = np.asarray(P.W.sum(axis=1)).ravel() > 0
    spec = weight_share(P, rare_outside(P, params.rare_share))
    e_mask = np.array([s in e_skills for s in P.skills], dtype=bool)
    e_share = weight_share(P, e_mask)
    g_share = weight_share(P, np.array([s in generic for s in P.skills], dtype=bool))
    sub = substitutability(P, params.overlap_threshold)
    content = [G.nodes[o].get("e_skill_content") for o in P.occupations]
    df = pl.DataFrame({
        "node": P.occupations,
        "specificity": spec,
        "e_skill_share": e_share,
        "generic_share": g_share,
        "substitutability": np.where(has, sub, -1),
        "e_skill_content": pl.Series(content, dtype=pl.Float64),
        "technology_e_skill_share": kind_share(G, P, e_mask, "technology"),
        "e_skill_overlap": e_skill_overlap(P, e_mask),
    }).with_columns(
        pl.col(pl.Float64).fill_nan(None),
        pl.when(pl.col("substitutability") >= 0).then(pl.col("substitutability")),
    )
    return df.with_columns(dissolution(df)).sort("node")


MEASURES = ("specificity", "e_skill_share", "generic_share", "substitutability", "identity_dissolution",
            "e_skill_content", "technology_e_skill_share", "e_skill_overlap")


def identity_by_unit_group(esco_identity: pl.DataFrame) -> pl.DataFrame:
    """ISCO-08 unit groups have no skill relations of their own: ESCO identity measures averaged over the ESCO occupations of each ISCO-08 unit
    group (ESCO classifies every occupation in one unit group): occupation_code (the unit
    group), the mean of each measure, and n_esco. identity_dissolution is recomputed from
    the averaged parts (:func:`dissolution`)."""
    cols = [c for c in MEASURES if c in esco_identity.columns and c != "identity_dissolution"
            and esco_identity[c].null_count() < esco_identity.height]  # technology_e_skill_share is O*NET's
    df = (
        esco_identity.filter(pl.col("isco08").is_not_null())
        .group_by("isco08")
        .agg(*[pl.col(c).cast(pl.Float64).mean() for c in cols], n_esco=pl.len())
        .rename({"isco08": "occupation_code"})
    )
    if "identity_dissolution" in esco_identity.columns:
        df = df.with_columns(dissolution(df))
    return df.select("occupation_code", *[c for c in MEASURES if c in df.columns], "n_esco").sort("occupation_code")
