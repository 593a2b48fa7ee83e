"""Skill profiles: the bipartite graph as an occupation x skill weight matrix.

Every measure reads the graph through :func:`profiles`, so it works the same on the real
graphs and on small graphs built by hand. Nodes with ``bipartite == 0`` are occupations,
``bipartite == 1`` skills; a node without the attribute is an error (no guessing).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy import sparse

from exposure.errors import InputError


@dataclass(frozen=True)
class Profiles:
    """Sorted occupation and skill node ids and the weights between them.

    ``W[i, j]`` is the edge weight between occupation ``occupations[i]`` and skill
    ``skills[j]`` (0 without an edge); ``submajor`` and ``major`` hold each occupation's
    ISCO-08 sub-major (2-digit) and major (1-digit) group, ``""`` when unknown.
    """

    occupations: list[str]
    skills: list[str]
    W: sparse.csr_matrix
    submajor: np.ndarray
    major: np.ndarray

    @property
    def holds(self) -> sparse.csr_matrix:
        """1 where the occupation holds the skill."""
        return (self.W > 0).astype(np.float64).tocsr()

    def without(self, skills: set[str]) -> Profiles:
        """The same profiles with the given skill nodes' columns removed."""
        keep = [j for j, s in enumerate(self.skills) if s not in skills]
        return Profiles(self.occupations, [self.skills[j] for j in keep], self.W[:, keep].tocsr(),
                        self.submajor, self.major)


def sides(G: nx.Graph) -> tuple[list[str], list[str]]:
    """Sorted occupation and skill nodes of a bipartite graph."""
    part = nx.get_node_attributes(G, "bipartite")
    missing = [n for n in G if n not in part]
    if missing:
        raise InputError(f"graph node {missing[0]!r} has no 'bipartite' attribute (0 occupation, 1 skill)")
    return sorted(n for n, b in part.items() if b == 0), sorted(n for n, b in part.items() if b == 1)


def profiles(G: nx.Graph) -> Profiles:
    """The occupation x skill weight matrix of a bipartite graph (edge attribute ``weight``,
    default 1).

    >>> G = nx.Graph()
    >>> G.add_nodes_from(["occ:a"], bipartite=0, isco08_submajor="25", isco08_major="2")
    >>> G.add_nodes_from(["skill:x"], bipartite=1)
    >>> G.add_edge("occ:a", "skill:x", weight=0.5)
    >>> profiles(G).W.toarray()
    array([[0.5]])
    """
    occs, skills = sides(G)
    row = {n: i for i, n in enumerate(occs)}
    col = {n: j for j, n in enumerate(skills)}
    r, c, w = [], [], []
    for u, v, weight in G.edges(data="weight", default=1.0):
        if u in col:
            u, v = v, u
        if u not in row or v not in col:
            raise InputError(f"edge {u!r} - {v!r} does not join an occupation to a skill")
        r.append(row[u])
        c.append(col[v])
        w.append(float(weight))
    W = sparse.csr_matrix((w, (r, c)), shape=(len(occs), len(skills)), dtype=np.float64)
    group = [(G.nodes[n].get("isco08_submajor") or "", G.nodes[n].get("isco08_major") or "") for n in occs]
    submajor = np.array([g[0] for g in group], dtype=object)
    major = np.array([g[1] for g in group], dtype=object)
    return Profiles(occs, skills, W, submajor, major)


def cosine(W: sparse.csr_matrix) -> np.ndarray:
    """Dense occupation x occupation cosine similarity of the rows of ``W`` (0 for empty rows),
    clipped to [0, 1] (weights are non-negative; the clip removes rounding above 1)."""
    norms = np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    Wn = sparse.diags(inv) @ W
    return np.clip(np.asarray((Wn @ Wn.T).todense(), dtype=np.float64), 0.0, 1.0)
