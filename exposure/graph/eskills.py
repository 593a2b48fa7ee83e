"""Genericity of skills and the e-skill rule.

Quantities, per skill node of one taxonomy's graph (an occupation "holds" a skill when an
edge joins them, whatever its weight):

- ``n_occupations``: occupations holding it; ``share_occupations`` = n / occupations in the
  graph.
- ``isco_major_entropy``: Shannon entropy of the ISCO-08 major groups of the occupations
  holding it, divided by log K (K = major groups present in the graph, 10 for ESCO and
  O*NET): 0 when all holders sit in one major group, 1 when they spread evenly over all.
  ``effective_isco_major_groups`` = K ** entropy (the perplexity: how many equally used
  major groups would give the same entropy); ``n_isco_major_groups`` counts them plainly.
- ``breadth`` = log(1 + n) / log(1 + n_max), n_max the most widely held skill of the graph.
  Relative to the taxonomy, because ESCO links each occupation to a few of 13,939 skills
  while O*NET links it to most of 135 technology categories.
- ``holder_cohesion``: how alike the holders are apart from this skill, the mean pairwise
  cosine similarity of their (binary) skill profiles, computed as the squared length of the
  mean of their unit-length profiles with the skill itself left out. A sector's skills are
  held by its managers, technicians and operators alike, so they spread over ISCO major
  groups, but their holders resemble each other (ESCO leather-goods skills ~0.6); a generic
  skill is held by occupations that otherwise have little in common (spreadsheets ~0.07).
- ``genericity`` = sqrt(breadth * isco_major_entropy) * (1 - holder_cohesion), in [0, 1]:
  high only when a skill is widely held, spread across the major groups, and held by
  occupations that are otherwise unlike each other.

The rule (thresholds in :class:`EskillRule`):

- *generic*: genericity >= 0.45 **and** effective ISCO major groups >= 4;
- *coded* e-skill: generic **and** in an e-skill collection (ESCO: the digital skills
  collection or DigComp; O*NET: a Technology Skills commodity);
- *similar* e-skill: generic, in no collection, **and** the cosine similarity of its label's
  embedding to the nearest coded e-skill label (of the same taxonomy) >= 0.8;
- everything else is not an e-skill; ``reason`` says which condition failed.

The coded e-skills are the examples for the similarity step, so no list of example skills
is written by hand. Only generic, uncoded skills' labels are embedded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import polars as pl
from scipy import sparse

from exposure.graph.profiles import Profiles, profiles

Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class EskillRule:
    """Thresholds of the e-skill rule (see the module docstring)."""

    min_genericity: float = 0.45
    min_effective_groups: float = 4.0
    min_similarity: float = 0.8


def entropy(counts: np.ndarray, k: int) -> np.ndarray:
    """Row-wise Shannon entropy of ``counts`` (skills x groups), normalised by log k.

    >>> entropy(np.array([[5, 5, 0], [3, 0, 0]]), 2).round(3).tolist()
    [1.0, 0.0]
    """
    n = counts.sum(axis=1, keepdims=True)
    p = np.divide(counts, n, out=np.zeros(counts.shape), where=n > 0)
    h = 0.0 - (p * np.log(p, out=np.zeros_like(p), where=p > 0)).sum(axis=1)  # 0.0, not -0.0
    return h / math.log(k) if k > 1 else np.zeros(len(counts))


def holder_cohesion(P: Profiles) -> np.ndarray:
    """Per skill, the mean over pairs of its holders of the dot product of their unit-length
    binary skill profiles with the skill's own component removed (1 for a single holder).

    With ``v_i`` the holders' profiles so reduced, the mean over pairs i != j of
    ``v_i . v_j`` is ``(|sum v_i|^2 - sum |v_i|^2) / (n (n - 1))``: two sparse products.

    >>> G = nx.Graph()
    >>> G.add_nodes_from(["occ:1", "occ:2", "occ:3"], bipartite=0)
    >>> G.add_nodes_from(["skill:a", "skill:b", "skill:c", "skill:d"], bipartite=1)
    >>> G.add_edges_from([("occ:1", "skill:a"), ("occ:2", "skill:a"), ("occ:1", "skill:b"),
    ...                   ("occ:2", "skill:b"), ("occ:3", "skill:c"), ("occ:1", "skill:d"), ("occ:3", "skill:d")])
    >>> holder_cohesion(profiles(G)).round(2).tolist()  # a: holders alike; d: holders unlike
    [0.41, 0.41, 1.0, 0.0]
    """
    B = P.holds
    n = np.asarray(B.sum(axis=0)).ravel()
    lengths = np.sqrt(np.asarray(B.sum(axis=1)).ravel())
    inv = 1.0 / np.maximum(lengths, 1.0)
    R = sparse.diags(inv) @ B  # unit-length profiles
    S = (B.T @ R).tocsr()  # row s: sum of the holders' unit profiles
    squared_sum = np.asarray(S.multiply(S).sum(axis=1)).ravel() - S.diagonal() ** 2
    own = B.T @ (1.0 - inv**2)  # sum over holders of |v_i|^2
    pairs = n * (n - 1)
    return np.where(n > 1, (squared_sum - own) / np.maximum(pairs, 1), 1.0)


def skill_measures(P: Profiles) -> pl.DataFrame:
    """Holders, spread over ISCO-08 major groups, holder cohesion, breadth and genericity of
    every skill."""
    B = P.holds
    n = np.asarray(B.sum(axis=0)).ravel()
    groups = sorted({g for g in P.major if g})
    onehot = np.stack([(P.major == g).astype(np.float64) for g in groups], axis=1) if groups else np.zeros(
        (len(P.occupations), 0))
    counts = np.asarray((B.T @ onehot))  # skills x major groups
    k = len(groups)
    h = entropy(counts, k)
    n_max = max(n.max(initial=0), 1)
    breadth = np.log1p(n) / math.log1p(n_max)
    cohesion = np.clip(holder_cohesion(P), 0.0, 1.0)
    return pl.DataFrame({
        "node": P.skills,
        "n_occupations": n.astype(np.int64),
        "share_occupations": n / max(len(P.occupations), 1),
        "isco_major_entropy": h,
        "effective_isco_major_groups": np.power(float(max(k, 1)), h),
        "n_isco_major_groups": (counts > 0).sum(axis=1).astype(np.int64),
        "breadth": breadth,
        "holder_cohesion": cohesion,
        "genericity": np.sqrt(breadth * h) * (1.0 - cohesion),
    })


def nearest_examples(labels: list[str], examples: list[str], embed_fn: Embedder) -> tuple[np.ndarray, list]:
    """Cosine similarity of each label to its nearest example label, and that example."""
    if not labels or not examples:
        return np.zeros(len(labels)), [None] * len(labels)
    X, E = embed_fn(labels), embed_fn(examples)
    sim = X @ E.T
    best = sim.argmax(axis=1)
    return sim[np.arange(len(labels)), best], [examples[i] for i in best]


def _reason(r: dict, rule: EskillRule) -> str:
    spread = (f"genericity {r['genericity']:.2f}, {r['effective_isco_major_groups']:.1f} effective "
              f"ISCO major groups")
    if not r["is_generic"]:
        why = ("genericity < %.2f" % rule.min_genericity if r["genericity"] < rule.min_genericity
               else "fewer than %g effective ISCO major groups" % rule.min_effective_groups)
        return f"not generic ({spread}: {why})"
    if r["collection"] is not None:
        return f"in {r['collection']}; generic ({spread})"
    if r["similarity"] is not None and r["similarity"] >= rule.min_similarity:
        return f"generic ({spread}); label similar to coded e-skill '{r['nearest_e_skill']}' ({r['similarity']:.2f})"
    sim = "" if r["similarity"] is None else f" (nearest coded e-skill '{r['nearest_e_skill']}', {r['similarity']:.2f})"
    return f"generic but in no e-skill collection and not similar to a coded e-skill{sim}"


def classify(skills: pl.DataFrame, embed_fn: Embedder, rule: EskillRule = EskillRule()) -> pl.DataFrame:
    """Add ``is_generic``, ``similarity``, ``nearest_e_skill``, ``is_e_skill`` and ``reason``.

    ``skills`` needs ``label``, ``collection`` (null outside the e-skill collections),
    ``genericity`` and ``effective_isco_major_groups``.
    """
    df = skills.with_columns(
        is_generic=(pl.col("genericity") >= rule.min_genericity)
        & (pl.col("effective_isco_major_groups") >= rule.min_effective_groups - 1e-9)
    )
    coded = df.filter(pl.col("is_generic") & pl.col("collection").is_not_null())
    todo = df.filter(pl.col("is_generic") & pl.col("collection").is_null())
    examples = sorted(set(coded["label"].to_list()))
    sim, nearest = nearest_examples(todo["label"].to_list(), examples, embed_fn)
    found = todo.select("node").with_columns(similarity=pl.Series(sim, dtype=pl.Float64),
                                             nearest_e_skill=pl.Series(nearest, dtype=pl.String))
    df = df.join(found, on="node", how="left").with_columns(
        is_e_skill=pl.col("is_generic") & (pl.col("collection").is_not_null()
                                           | (pl.col("similarity") >= rule.min_similarity).fill_null(False))
    )
    return df.with_columns(
        reason=pl.Series([_reason(r, rule) for r in df.iter_rows(named=True)], dtype=pl.String)
    )


def skill_attributes(G: nx.Graph, nodes: list[str]) -> pl.DataFrame:
    """``node``, ``skill_id``, ``label``, ``kind``, ``collection`` of the given skill nodes."""
    rows = [{"node": n, **{k: G.nodes[n].get(k) for k in ("skill_id", "label", "kind", "collection")}}
            for n in nodes]
    schema = {"node": pl.String, "skill_id": pl.String, "label": pl.String, "kind": pl.String,
              "collection": pl.String}
    return pl.DataFrame(rows, schema=schema)


def eskill_table(G: nx.Graph, embed_fn: Embedder, rule: EskillRule = EskillRule()) -> pl.DataFrame:
    """Every skill node with its genericity and e-skill verdict, sorted by node.

    >>> G = nx.Graph()
    >>> G.add_nodes_from(["occ:1", "occ:2"], bipartite=0)
    >>> G.nodes["occ:1"].update(isco08_major="1"); G.nodes["occ:2"].update(isco08_major="2")
    >>> G.add_node("skill:x", bipartite=1, label="x", collection="ESCO digital")
    >>> G.add_edges_from([("occ:1", "skill:x"), ("occ:2", "skill:x")])
    >>> eskill_table(G, embed_fn=None, rule=EskillRule(min_effective_groups=2))["is_e_skill"].to_list()
    [True]
    """
    P = profiles(G)
    measures = skill_measures(P)
    df = skill_attributes(G, P.skills).join(measures, on="node", how="left")
    return classify(df, embed_fn, rule).sort("node")
