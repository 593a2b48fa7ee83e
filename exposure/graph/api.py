"""The public functions over the real data, with a Parquet cache.

Every result is cached in the one disk cache (:mod:`exposure.cache`) under
``<data>/cache/graph/<taxonomy>-<key>/<name>.parquet``. The key hashes the cache keys of the
canonical tables read, the exposure-score key, the embedding model key and the source of
the whole ``exposure.graph`` package, so any change to data, scores, model or graph code
recomputes; older entries are pruned by the cache's one rule. The model is the run
context's (:mod:`exposure.context`), as for the scores the graph reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from functools import cache
from pathlib import Path

import networkx as nx
import numpy as np
import polars as pl

from exposure.cache import Entry, make_key, source_digest
from exposure.config import cache_dir
from exposure.context import current
from exposure.errors import InputError
from exposure.graph import boundary, eskills, identity, transitions
from exposure.graph.build import (
    OCC,
    TABLES,
    check_taxonomy,
    frames,
    graph_from_frames,
)
from exposure.graph.profiles import Profiles, profiles
from exposure.scoring.codebook import CONSTRUCTS
from exposure.scoring.pipeline import RELEASES  # the graph reads what the scores read

N_BRIDGING = 25
CODE = ("exposure.graph",)  # the code the graph depends on, as a whole package


def cache_key(taxonomy: str) -> str:
    """Hash of everything a taxonomy's graph and measures are computed from: the tables,
    the scores, the run context's model and the graph code."""
    return _cache_key(check_taxonomy(taxonomy), current().model_path, str(cache_dir()))


@cache
def _cache_key(taxonomy: str, model_path: str | None, data: str) -> str:
    # memoised per model and data folder: the code, codebook and releases it hashes do not
    # change while a process runs
    from exposure.embed import model_info
    from exposure.scoring.pipeline import score_key
    from taxonomies.registry import cache_key as part_key
    from taxonomies.registry import parts_of

    return make_key(
        taxonomy=taxonomy,
        tables=sorted(part_key(p) for t in (*TABLES, "tasks") for p in parts_of(t)),
        scores=score_key(model_path),
        model=model_info(model_path).key,
        code=source_digest(*CODE),
    )


def _entry(taxonomy: str) -> Entry:
    return Entry("graph", taxonomy, cache_key(taxonomy))


def folder(taxonomy: str) -> Path:
    return _entry(taxonomy).folder


def _cached(taxonomy: str, name: str, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """Read ``name`` from the taxonomy's cache entry, or compute and write it."""
    entry = _entry(taxonomy)
    df = entry.read_parquet(f"{name}.parquet")
    if df is None:
        df = compute()
        entry.write_parquet(f"{name}.parquet", df)
    return df


def _tables() -> dict[str, pl.DataFrame]:
    from taxonomies import load

    return {t: load(t) for t in (*TABLES, "tasks")}


def _frames(taxonomy: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The cached (occupations, skills, edges) frames of a taxonomy's graph."""
    names = ("occupations", "skills", "edges")
    built: list[pl.DataFrame] = []

    def part(i: int) -> Callable[[], pl.DataFrame]:
        def run() -> pl.DataFrame:
            if not built:
                from exposure.scoring.pipeline import scores

                built.extend(frames(_tables(), taxonomy, scores().occupations))
            return built[i]
        return run

    return tuple(_cached(taxonomy, name, part(i)) for i, name in enumerate(names))


_GRAPHS: dict[str, nx.Graph] = {}


def base_graph(taxonomy: str) -> nx.Graph:
    """The bipartite graph without measures (memoised per process and cache key)."""
    key = str(folder(check_taxonomy(taxonomy)))
    if key not in _GRAPHS:
        _GRAPHS[key] = graph_from_frames(*_frames(taxonomy))
    return _GRAPHS[key]


def _embed(texts):
    from exposure.embed import embed

    return embed(list(texts))


def skill_table(taxonomy: str) -> pl.DataFrame:
    """One row per skill node: genericity, e-skill verdict with its reason, betweenness.

    Columns: node, skill_id, label, kind, collection, n_occupations, share_occupations,
    isco_major_entropy, effective_isco_major_groups, n_isco_major_groups, breadth,
    genericity, is_generic, is_e_skill, reason, betweenness. Sorted by node. The rule and
    the committed e-skill lists are in :mod:`exposure.graph.eskills`.

    >>> skill_table("esco").filter(pl.col("label") == "use spreadsheets software")["is_e_skill"][0]  # doctest: +SKIP
    True
    """
    def compute() -> pl.DataFrame:
        G = base_graph(taxonomy)
        table = eskills.eskill_table(G, e_list=eskills.e_skill_list(taxonomy))
        bc = boundary.betweenness(G)
        return table.with_columns(betweenness=pl.col("node").replace_strict(bc, return_dtype=pl.Float64))

    return _cached(check_taxonomy(taxonomy), "skill_table", lambda: compute().with_columns(pl.col(pl.Float64).round(4)))


def identity_table(taxonomy: str) -> pl.DataFrame:
    """Per occupation: taxonomy, occupation_code, title, isco08, specificity, e_skill_share,
    generic_share, substitutability, identity_dissolution (dissolution into e-skills), its
    parts e_skill_content, technology_e_skill_share and e_skill_overlap, and the exposure
    scores; sorted by occupation_code. Definitions in :mod:`exposure.graph.identity`.

    >>> identity_table("onet").columns[:4]  # doctest: +SKIP
    ['taxonomy', 'occupation_code', 'title', 'isco08']
    """
    def compute() -> pl.DataFrame:
        skills = skill_table(taxonomy)
        e = set(skills.filter("is_e_skill")["node"])
        generic = set(skills.filter("is_generic")["node"])
        measures = identity.identity_measures(base_graph(taxonomy), e, generic)
        occ = _frames(taxonomy)[0]
        return occ.drop([c for c in identity.DISSOLUTION_PARTS if c in occ.columns]).join(
            measures, on="node", how="left").select(
            "taxonomy", "occupation_code", "title", "isco08", "specificity", "e_skill_share",
            "generic_share", "substitutability", "identity_dissolution", *identity.DISSOLUTION_PARTS,
            *[c for c in CONSTRUCTS if c in occ.columns and c not in identity.DISSOLUTION_PARTS],
        ).sort("occupation_code")

    return _cached(check_taxonomy(taxonomy), "identity", lambda: compute().with_columns(pl.col(pl.Float64).round(4)))


def build_graph(taxonomy: str) -> nx.Graph:
    """The occupation <-> skill graph of ``esco`` or ``onet`` with every measure attached.

    Occupation nodes ``occ:<code>`` (``bipartite`` 0) carry taxonomy, occupation_code, title,
    isco08 (+ sub-major, major), the exposure scores and the identity measures; skill nodes
    ``skill:<skill_id>`` (``bipartite`` 1) carry label, kind, collection flags and the
    skill-table columns; every edge carries ``source``, ``relation`` and ``weight``.

    >>> G = build_graph("esco")  # doctest: +SKIP
    >>> sum(1 for _, b in G.nodes(data="bipartite") if b == 0)  # doctest: +SKIP
    3039
    """
    G = base_graph(check_taxonomy(taxonomy)).copy()
    skills = skill_table(taxonomy).drop("skill_id", "label", "kind", "collection")
    occ = identity_table(taxonomy).select("occupation_code", "specificity", "e_skill_share", "generic_share",
                                          "substitutability", "identity_dissolution",
                                          *[c for c in identity.DISSOLUTION_PARTS if c != "e_skill_content"])
    for row in skills.iter_rows(named=True):
        G.nodes[row.pop("node")].update({k: v for k, v in row.items() if v is not None})
    for row in occ.iter_rows(named=True):
        G.nodes[OCC + row.pop("occupation_code")].update({k: v for k, v in row.items() if v is not None})
    G.graph.update(taxonomy=taxonomy, cache_key=cache_key(taxonomy))
    return G


def _occupation(taxonomy: str, code: str) -> None:
    occ = _frames(check_taxonomy(taxonomy))[0]
    if code not in set(occ["occupation_code"]):
        raise InputError(f"no {taxonomy} occupation has the code {code!r}")


_VECTORS: dict[str, tuple[Profiles, np.ndarray]] = {}


def _task_vectors(taxonomy: str) -> tuple[Profiles, np.ndarray]:
    """Skill profiles and task vectors of every occupation (memoised per process)."""
    key = str(folder(taxonomy))
    if key not in _VECTORS:
        from taxonomies import load

        P = profiles(base_graph(taxonomy))
        codes = [n.removeprefix(OCC) for n in P.occupations]
        tables = {"tasks": load("tasks"), "occupations": load("occupations")}
        _VECTORS[key] = (P, transitions.task_vectors(tables, taxonomy, codes, _embed))
    return _VECTORS[key]


NEIGHBOURS_CACHED = 50  # nearest occupations kept per occupation in the cache


def neighbours(taxonomy: str, code: str, k: int = 10) -> pl.DataFrame:
    """The ``k`` occupations nearest to ``code`` by skill overlap and task similarity.

    Columns: occupation_code, title, skill_overlap, task_similarity, similarity,
    offshorability, place_boundness, identity_dissolution; sorted by similarity (highest
    first), ties by code; the occupation itself is excluded. Definitions in
    :mod:`exposure.graph.transitions`.

    >>> neighbours("onet", "43-9021.00", k=3).height  # doctest: +SKIP
    3
    """
    _occupation(taxonomy, code)
    if k < 1:
        raise InputError(f"k must be at least 1; got {k}")
    if k <= NEIGHBOURS_CACHED:
        near = _cached(taxonomy, "neighbours", lambda: transitions.nearest_all(*_task_vectors(taxonomy),
                                                                              NEIGHBOURS_CACHED))
        near = near.filter(pl.col("node") == OCC + code).head(k).drop("node").rename({"neighbour": "node"})
    else:
        near = transitions.nearest(*_task_vectors(taxonomy), OCC + code, k)
    near = near.with_columns(occupation_code=pl.col("node").str.strip_prefix(OCC))
    info = identity_table(taxonomy).select("occupation_code", "title", "offshorability", "place_boundness",
                                           "identity_dissolution")
    return near.join(info, on="occupation_code", how="left", maintain_order="left").select(
        "occupation_code", "title", "skill_overlap", "task_similarity", "similarity", "offshorability",
        "place_boundness", "identity_dissolution",
    )


VARIANTS = (  # (label, community column, skill-table flag of the skills removed)
    ("all skills", "community", None),
    ("without e-skills", "community_without_e_skills", "is_e_skill"),
    ("without generic skills", "community_without_generic_skills", "is_generic"),
)


def _projections(taxonomy: str) -> pl.DataFrame:
    skills = skill_table(taxonomy)
    P = profiles(base_graph(taxonomy))
    parts = []
    for label, _, flag in VARIANTS:
        Q = P if flag is None else P.without(set(skills.filter(flag)["node"]))
        parts.append(boundary.projection(Q).with_columns(skills=pl.lit(label)))
    return pl.concat(parts)


def _communities(taxonomy: str, proj: pl.DataFrame) -> pl.DataFrame:
    occ = _frames(taxonomy)[0].select("node", "occupation_code", "title", "isco08_submajor", "isco08_major")
    for label, column, _ in VARIANTS:
        found = boundary.communities(proj.filter(pl.col("skills") == label)).rename({"community": column})
        occ = occ.join(found, on="node", how="left")
    return occ.filter(pl.col("community").is_not_null()).sort("node")


def _agreement(comm: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for label, column, _ in VARIANTS:
        found = comm.select("node", community=column).drop_nulls()
        row = {"skills": label}
        for level in ("major", "submajor"):
            truth = dict(comm.select("node", f"isco08_{level}").drop_nulls().iter_rows())
            scores = boundary.agreement(found, truth)
            row["n_communities"] = scores.pop("n_communities")
            row.update({k if level == "major" else f"{k}_submajor": v for k, v in scores.items()})
        rows.append(row)
    return pl.DataFrame(rows).select("skills", "n_communities", "nmi", "ari", "nmi_submajor", "ari_submajor")


def bridging_skills(taxonomy: str, n: int = N_BRIDGING) -> pl.DataFrame:
    """The ``n`` skills of highest betweenness (ties: more ISCO major groups, then id)."""
    return skill_table(taxonomy).sort(
        ["betweenness", "n_isco_major_groups", "node"], descending=[True, True, False]
    ).head(n).select("skill_id", "label", "kind", "betweenness", "n_isco_major_groups", "n_occupations",
                     "is_generic", "is_e_skill")


def boundaries(taxonomy: str) -> dict:
    """Skill-based communities of occupations against the ISCO-08 major groups.

    Returns a dict: ``projection`` (occ_a, occ_b, weight, skills = "all skills", "without
    e-skills" or "without generic skills"), ``communities`` (node, occupation_code, title,
    isco08_submajor, isco08_major, community, community_without_e_skills,
    community_without_generic_skills), ``agreement`` (skills, n_communities, nmi, ari, and
    the same against sub-major groups), the floats ``nmi``, ``ari``,
    ``nmi_without_e_skills``, ``ari_without_e_skills``, and ``bridging`` (the top skills by
    betweenness, then ISCO major groups spanned). Definitions in
    :mod:`exposure.graph.boundary`.

    >>> b = boundaries("onet")  # doctest: +SKIP
    >>> b["nmi"] < b["nmi_without_e_skills"]  # doctest: +SKIP
    True
    """
    check_taxonomy(taxonomy)
    proj = _cached(taxonomy, "projection", lambda: _projections(taxonomy))
    comm = _cached(taxonomy, "communities", lambda: _communities(taxonomy, proj))
    agreement = _agreement(comm)
    first, second = agreement.row(0, named=True), agreement.row(1, named=True)
    return {
        "projection": proj,
        "communities": comm,
        "agreement": agreement,
        "nmi": first["nmi"], "ari": first["ari"],
        "nmi_without_e_skills": second["nmi"], "ari_without_e_skills": second["ari"],
        "bridging": bridging_skills(taxonomy),
    }


def timed_build(taxonomy: str) -> dict[str, float]:
    """Build (or read) the graph and every measure; seconds per step, for the CLI and the
    benchmark."""
    out = {}
    t = time.perf_counter()
    base_graph(taxonomy)
    out["graph"] = time.perf_counter() - t
    t = time.perf_counter()
    skill_table(taxonomy)
    identity_table(taxonomy)
    boundaries(taxonomy)
    out["measures"] = time.perf_counter() - t
    return out


def manifest_fields(taxonomy: str, **extra) -> dict:
    """What a graph output's manifest records: releases, cache key, the rule's thresholds."""
    from exposure.graph.eskills import DATA, EskillRule
    from exposure.graph.identity import IdentityParams
    from taxonomies.releases import sha256_file

    lists = {p.name: sha256_file(p) for p in sorted(DATA.glob("eskill*.csv"))}
    return {"releases": RELEASES, "taxonomy": taxonomy, "graph_cache_key": cache_key(taxonomy),
            "eskill_rule": asdict(EskillRule()), "eskill_lists_sha256": lists,
            "identity_params": asdict(IdentityParams()), **extra}


def export_with_manifest(taxonomy: str, path: Path, fmt: str) -> nx.Graph:
    """Build the taxonomy's graph, export it (:func:`export_graph`) with a manifest beside
    it, and return it."""
    from exposure.graph.export import export_graph
    from exposure.manifest import write_file_with_manifest

    G = build_graph(taxonomy)
    write_file_with_manifest(path, lambda tmp: export_graph(G, tmp, fmt),
                             **manifest_fields(taxonomy, format=fmt, nodes=G.number_of_nodes(),
                                               edges=G.number_of_edges()))
    return G
