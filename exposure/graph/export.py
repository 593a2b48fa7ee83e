"""Writing a graph as GraphML, GEXF (Gephi) or node-link JSON (d3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from exposure.errors import InputError
from exposure.io import atomic_path

if TYPE_CHECKING:
    import networkx as nx

GRAPH_FORMATS = ("graphml", "gexf", "json")


def _scalar(value):
    """A GraphML/GEXF-safe value: lists joined with " | ", numpy scalars as Python ones,
    None dropped (returned as None)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return " | ".join(map(str, value))
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def scalar_graph(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` whose attributes are all scalars (str, int, float, bool)."""
    import networkx as nx

    H = nx.Graph()
    H.graph.update({k: v for k, v in ((k, _scalar(v)) for k, v in G.graph.items()) if v is not None})
    for n, data in G.nodes(data=True):
        H.add_node(n, **{k: v for k, v in ((k, _scalar(v)) for k, v in data.items()) if v is not None})
    for u, v, data in G.edges(data=True):
        H.add_edge(u, v, **{k: x for k, x in ((k, _scalar(x)) for k, x in data.items()) if x is not None})
    return H


def node_link(G: nx.Graph) -> dict:
    """networkx node-link data for d3: links carry ``source``/``target`` node ids, so the
    edge provenance attribute ``source`` is written as ``provenance``."""
    import networkx as nx

    H = nx.Graph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    for u, v, data in G.edges(data=True):
        attrs = dict(data)
        if "source" in attrs:
            attrs["provenance"] = attrs.pop("source")
        H.add_edge(u, v, **attrs)
    return nx.node_link_data(H, edges="links")


def export_graph(G: nx.Graph, path: Path | str, fmt: str) -> Path:
    """Write ``G`` to ``path`` atomically as ``graphml``, ``gexf`` or ``json`` (node-link).

    >>> import tempfile, os, networkx as nx
    >>> G = nx.Graph(); G.add_edge("occ:a", "skill:x", weight=1.0, source="esco")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = export_graph(G, os.path.join(d, "g.graphml"), "graphml")
    ...     sorted(nx.read_graphml(p).edges(data=True))
    [('occ:a', 'skill:x', {'weight': 1.0, 'source': 'esco'})]
    """
    import networkx as nx

    if fmt not in GRAPH_FORMATS:
        raise InputError(f"The 'fmt' parameter must be one of {{'graphml', 'gexf', 'json'}}. Got {fmt!r} instead.")
    path = Path(path)
    H = scalar_graph(G)
    with atomic_path(path) as tmp:
        if fmt == "graphml":
            nx.write_graphml(H, tmp)
        elif fmt == "gexf":
            nx.write_gexf(H, tmp)
        else:
            tmp.write_text(json.dumps(node_link(H), sort_keys=True, ensure_ascii=False) + "\n")
    return path
