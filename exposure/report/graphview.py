"""A small picture of the skill graph around generic e-skills.

From the bipartite occupation-skill graph of :mod:`exposure.graph` (node ids
``occ:<code>`` and ``skill:<id>``) the subgraph keeps: the most generic e-skills; for
each, the linked occupations whose identity dissolves most; and for each of those
occupations its most distinctive skill (the least generic one it has). Choices are made
in a fixed order (ties broken by id). The layout is three rings (e-skills, occupations,
distinctive skills) in matching order, so neighbours face each other; it has no random
step, so the same graph gives the same picture.
"""

from __future__ import annotations

import math

import networkx as nx
import polars as pl

from exposure.graph.build import OCC, SKILL

RADII = (0.38, 0.78, 1.16)  # e-skills, occupations, distinctive skills


def _skill_id(node: str) -> str:
    return node[len(SKILL):]


def subgraph(graph: nx.Graph, skills: pl.DataFrame, ident: pl.DataFrame, titles: dict[str, str],
             n_eskills: int = 6, per_skill: int = 3) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes (node, kind, id, label, x, y, value) and edges (source, target) of the picture."""
    e = (
        skills.filter(pl.col("is_e_skill").fill_null(False))
        .sort(["genericity", "skill_id"], descending=[True, False], nulls_last=True)
    )
    e = e.filter(pl.format("skill:{}", pl.col("skill_id")).is_in(list(graph.nodes))).head(n_eskills)
    labels = dict(skills.select("skill_id", "label").iter_rows())
    generic = dict(skills.select("skill_id", "genericity").iter_rows())
    e_ids = set(e["skill_id"])
    dissolution = dict(ident.select("occupation_code", "identity_dissolution").iter_rows())

    chosen: list[str] = [f"{SKILL}{s}" for s in e["skill_id"]]
    occs: list[str] = []
    for s in e["skill_id"]:
        nbrs = sorted(
            (n for n in graph.neighbors(f"{SKILL}{s}") if n.startswith(OCC) and n not in occs),
            key=lambda n: (-(dissolution.get(n[len(OCC):]) or 0.0), n),
        )
        occs.extend(nbrs[:per_skill])
    distinct: list[str] = []
    for o in occs:
        own = sorted(
            (n for n in graph.neighbors(o) if n.startswith(SKILL) and _skill_id(n) not in e_ids),
            key=lambda n: (generic.get(_skill_id(n)) if generic.get(_skill_id(n)) is not None else 1.0, n),
        )
        if own and own[0] not in distinct:
            distinct.append(own[0])
    keep = sorted(set(chosen) | set(occs) | set(distinct))
    h = nx.Graph()
    h.add_nodes_from(keep)
    h.add_edges_from(sorted(tuple(sorted(edge)) for edge in graph.subgraph(keep).edges()))
    # rings: e-skills inside, their occupations around them, each occupation's distinctive
    # skill outside, in matching order so that neighbours face each other
    pos = {}
    for ring, radius, turn in zip((chosen, occs, distinct), RADII, (0.5, 0.5, 0.5)):
        for i, n in enumerate(ring):
            angle = 2 * math.pi * (i + turn) / len(ring)
            pos[n] = (radius * math.cos(angle), radius * math.sin(angle))
    rows = []
    for n in keep:
        if n.startswith(OCC):
            code = n[len(OCC):]
            kind, ident_, label, value = "occupation", code, titles.get(code, code), dissolution.get(code)
        else:
            sid = _skill_id(n)
            kind = "e-skill" if sid in e_ids else "skill"
            ident_, label, value = sid, labels.get(sid, sid), generic.get(sid)
        x, y = pos[n]
        rows.append({"node": n, "kind": kind, "id": ident_, "label": label,
                     "x": round(float(x), 4), "y": round(float(y), 4), "value": value})
    nodes = pl.DataFrame(rows, schema={"node": pl.String, "kind": pl.String, "id": pl.String,
                                       "label": pl.String, "x": pl.Float64, "y": pl.Float64,
                                       "value": pl.Float64}).sort("node")
    pairs = sorted(tuple(sorted(edge)) for edge in h.edges())
    edges = pl.DataFrame({"source": [a for a, _ in pairs], "target": [b for _, b in pairs]},
                         schema={"source": pl.String, "target": pl.String})
    return nodes, edges
