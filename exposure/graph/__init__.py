"""The occupation <-> skill graph: which occupational identities dissolve into generic e-skills.

Data convention (as in ``networkx.algorithms.bipartite``): one undirected graph per taxonomy
(``esco`` or ``onet``); node attribute ``bipartite`` is 0 for occupations (ids
``occ:<occupation_code>``) and 1 for skills, technology/tool commodities, rated
Skills/Knowledge elements and O*NET Detailed Work Activities (ids ``skill:<skill_id>``,
DWAs ``skill:dwa:<DWA ID>``). Every edge has ``source`` (the table and relation it comes
from), ``relation`` and ``weight``. A node without ``bipartite`` is refused, not guessed.

Modules, in data-flow order: :mod:`~exposure.graph.build` (tables -> frames -> graph),
:mod:`~exposure.graph.profiles` (graph -> occupation x skill matrix),
:mod:`~exposure.graph.eskills` (genericity, e-skill rule), :mod:`~exposure.graph.identity`
(per-occupation measures), :mod:`~exposure.graph.boundary` (projection, communities,
betweenness), :mod:`~exposure.graph.transitions` (nearest occupations),
:mod:`~exposure.graph.export` (GraphML/GEXF/JSON), :mod:`~exposure.graph.api` (the cached
functions below), :mod:`~exposure.graph.cli` (the ``exposure graph`` commands).

>>> from exposure.graph import identity_table
>>> identity_table("esco").sort("identity_dissolution", descending=True).head(3)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = [
    "GRAPH_FORMATS", "GRAPH_TAXONOMIES", "boundaries", "build_graph", "export_graph", "identity_table",
    "neighbours", "skill_table",
]
_WHERE = {
    "boundaries": "api", "build_graph": "api", "identity_table": "api", "neighbours": "api",
    "skill_table": "api", "GRAPH_TAXONOMIES": "build", "GRAPH_FORMATS": "export", "export_graph": "export",
}

if TYPE_CHECKING:
    from exposure.graph.api import (
        boundaries,
        build_graph,
        identity_table,
        neighbours,
        skill_table,
    )
    from exposure.graph.build import GRAPH_TAXONOMIES
    from exposure.graph.export import GRAPH_FORMATS, export_graph


def __getattr__(name: str):
    """The public functions, imported on first use: importing the package (as the CLI does)
    stays cheap, and scikit-learn and networkx load only when a graph is built."""
    if name not in _WHERE:
        raise AttributeError(f"module 'exposure.graph' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"exposure.graph.{_WHERE[name]}"), name)
