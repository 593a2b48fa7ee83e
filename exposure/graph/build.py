"""The occupation <-> skill graph of one taxonomy, built from the canonical tables.

Three frames describe a graph and :func:`graph_from_frames` turns them into networkx:

- ``occupations``: one row per occupation node (``node`` = ``"occ:<code>"``), with its
  taxonomy, code, title, ISCO-08 unit group, sub-major and major group and the exposure
  scores;
- ``skills``: one row per skill-side node (``node`` = ``"skill:<skill_id>"``) that at least
  one occupation holds, with its label, kind and collection flags;
- ``edges``: one row per occupation-skill pair, with its provenance (``source``), the
  ``relation`` and the ``weight``.

Edges, per taxonomy:

- ESCO: the occupationSkillRelations rows, essential weight 1, optional 0.5. The 17 pairs
  that the source lists as both essential and optional become one edge: relation
  ``essential``, weight 1, both rows named in ``source`` (``n_sources`` 2).
- O*NET: Technology Skills commodities (weight 1, with the Hot Technology / In Demand flags
  and the example products), Tools Used commodities (weight 1), Skills and Knowledge
  elements rated important (importance >= 3 on the 1-5 scale, O*NET's own "important" cut;
  weight (importance - 1) / 4), and Detailed Work Activities (skill id ``dwa:<DWA ID>``,
  kind ``activity``, weight 1, ``n_tasks`` = the occupation's tasks linked to it).

ISCO-08 unit group of an occupation: ESCO from the crosswalk ``esco iscoGroup`` (the ISCO
prefix of the ESCO code if missing); O*NET from ``chain: onet>soc2018>soc2010>isco08``,
the target of highest weight, ties broken by the smallest code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from exposure.errors import InputError
from exposure.scoring.codebook import CONSTRUCTS

if TYPE_CHECKING:
    import networkx as nx

GRAPH_TAXONOMIES = ("esco", "onet")  # the taxonomies with a skill graph
OCC, SKILL = "occ:", "skill:"
RATING_MIN_IMPORTANCE = 3.0
ONET_ISCO_METHOD = "chain: onet>soc2018>soc2010>isco08"
ESCO_ISCO_METHOD = "esco iscoGroup"
ESCO_FLAGS = ("in_digital", "in_digcomp", "in_transversal", "in_language", "in_green", "in_research")
ONET_SOURCES = {
    "technology": "onet Technology Skills",
    "tool": "onet Tools Used",
    "skill": "onet Skills rating",
    "knowledge": "onet Knowledge rating",
    "activity": "onet shared DWA",
}
EDGE_COLUMNS = {
    "occ": pl.String, "skill": pl.String, "source": pl.String, "relation": pl.String,
    "weight": pl.Float64, "n_sources": pl.Int64, "importance": pl.Float64, "level": pl.Float64,
    "hot_technology": pl.Boolean, "in_demand": pl.Boolean, "examples": pl.String, "n_tasks": pl.Int64,
}
TABLES = ("occupations", "skills", "occupation_skills", "task_activities", "crosswalk")


def check_taxonomy(taxonomy: str) -> str:
    """Return ``taxonomy`` if a graph can be built for it, else raise InputError."""
    if taxonomy not in GRAPH_TAXONOMIES:
        raise InputError(
            f"The 'taxonomy' parameter must be one of {{'esco', 'onet'}}. Got {taxonomy!r} instead."
        )
    return taxonomy


def isco_unit_groups(crosswalk: pl.DataFrame, occupations: pl.DataFrame, taxonomy: str) -> pl.DataFrame:
    """One ISCO-08 unit group per occupation: ``occupation_code``, ``isco08``.

    >>> cw = pl.DataFrame({"from_taxonomy": ["onet"] * 2, "from_code": ["a", "a"],
    ...     "to_code": ["2512", "2511"], "method": [ONET_ISCO_METHOD] * 2, "weight": [0.5, 0.5]})
    >>> occ = pl.DataFrame({"occupation_code": ["a"]})
    >>> isco_unit_groups(cw, occ, "onet")["isco08"].to_list()
    ['2511']
    """
    method = ESCO_ISCO_METHOD if taxonomy == "esco" else ONET_ISCO_METHOD
    links = (
        crosswalk.filter((pl.col("from_taxonomy") == taxonomy) & (pl.col("method") == method))
        .sort(["from_code", "weight", "to_code"], descending=[False, True, False])
        .group_by("from_code", maintain_order=True)
        .first()
        .select(occupation_code="from_code", isco08="to_code")
    )
    out = occupations.select("occupation_code").join(links, on="occupation_code", how="left")
    if taxonomy == "esco":  # the ESCO code starts with its ISCO-08 unit group
        out = out.with_columns(pl.coalesce("isco08", pl.col("occupation_code").str.split(".").list.first()))
    return out


def occupation_frame(tables: Mapping[str, pl.DataFrame], taxonomy: str,
                     scores: pl.DataFrame | None = None) -> pl.DataFrame:
    """The occupation nodes of a taxonomy, with ISCO-08 groups and exposure scores."""
    occ = tables["occupations"].filter(pl.col("taxonomy") == taxonomy)
    isco = isco_unit_groups(tables["crosswalk"], occ, taxonomy)
    df = occ.select("taxonomy", "occupation_code", "title").join(isco, on="occupation_code", how="left")
    if scores is not None:
        df = df.join(
            scores.filter(pl.col("taxonomy") == taxonomy).select("occupation_code", *CONSTRUCTS),
            on="occupation_code", how="left",
        )
    return df.select(
        node=OCC + pl.col("occupation_code"),
        bipartite=pl.lit(0),
        **{c: pl.col(c) for c in df.columns},
        isco08_submajor=pl.col("isco08").str.slice(0, 2),
        isco08_major=pl.col("isco08").str.slice(0, 1),
    ).sort("node")


def _esco_edges(pairs: pl.DataFrame) -> pl.DataFrame:
    rows = pairs.with_columns(source="esco occupationSkillRelations " + pl.col("relation"))
    return (
        rows.sort("weight", "relation", descending=[True, False])
        .group_by("occupation_code", "skill_id", maintain_order=True)
        .agg(
            relation=pl.col("relation").first(),
            weight=pl.col("weight").max(),
            source=pl.col("source").str.join("; "),
            n_sources=pl.len().cast(pl.Int64),
        )
    )


def _onet_edges(pairs: pl.DataFrame, skills: pl.DataFrame, activities: pl.DataFrame) -> pl.DataFrame:
    kind = skills.select("skill_id", "skill_type")
    rated = pairs.join(kind, on="skill_id", how="left").filter(
        (pl.col("relation") != "rating") | (pl.col("importance") >= RATING_MIN_IMPORTANCE)
    )
    rated = rated.with_columns(
        source=pl.when(pl.col("relation") == "rating")
        .then(pl.col("skill_type"))
        .otherwise(pl.col("relation"))
        .replace_strict(ONET_SOURCES),
        examples=pl.col("examples").list.join(" | "),
        n_sources=pl.lit(1, pl.Int64),
    )
    dwa = activities.group_by("occupation_code", "dwa_id").agg(n_tasks=pl.len().cast(pl.Int64)).select(
        "occupation_code", "n_tasks", skill_id="dwa:" + pl.col("dwa_id"), relation=pl.lit("activity"),
        weight=pl.lit(1.0), source=pl.lit(ONET_SOURCES["activity"]), n_sources=pl.lit(1, pl.Int64),
    )
    return pl.concat([rated.drop("skill_type", "taxonomy"), dwa], how="diagonal_relaxed")


def edge_frame(tables: Mapping[str, pl.DataFrame], taxonomy: str) -> pl.DataFrame:
    """One row per occupation-skill edge, with provenance; sorted by (occ, skill)."""
    pairs = tables["occupation_skills"].filter(pl.col("taxonomy") == taxonomy)
    if taxonomy == "esco":
        edges = _esco_edges(pairs)
    else:
        edges = _onet_edges(pairs, tables["skills"].filter(pl.col("taxonomy") == taxonomy),
                            tables["task_activities"].filter(pl.col("taxonomy") == taxonomy))
    edges = edges.with_columns(occ=OCC + pl.col("occupation_code"), skill=SKILL + pl.col("skill_id"))
    return edges.select(
        [(pl.col(c) if c in edges.columns else pl.lit(None)).cast(t).alias(c) for c, t in EDGE_COLUMNS.items()]
    ).sort("occ", "skill")


def _collection(taxonomy: str) -> pl.Expr:
    """The e-skill collection a skill belongs to, or null."""
    if taxonomy == "onet":
        return pl.when(pl.col("skill_type") == "technology").then(pl.lit("O*NET Technology Skills"))
    parts = pl.concat_list(
        pl.when(pl.col("in_digital")).then(pl.lit("ESCO digital")),
        pl.when(pl.col("in_digcomp")).then(pl.lit("ESCO DigComp")),
    ).list.drop_nulls()
    return pl.when(parts.list.len() > 0).then(parts.list.join(", "))


def skill_frame(tables: Mapping[str, pl.DataFrame], taxonomy: str, edges: pl.DataFrame) -> pl.DataFrame:
    """The skill-side nodes that at least one edge reaches, with their attributes."""
    linked = edges.select(node=pl.col("skill")).unique()
    sk = tables["skills"].filter(pl.col("taxonomy") == taxonomy).with_columns(collection=_collection(taxonomy))
    flags = list(ESCO_FLAGS) if taxonomy == "esco" else ["hot_technology", "in_demand", "unspsc_code"]
    sk = sk.select("skill_id", "label", kind="skill_type", collection="collection", *flags)
    if taxonomy == "onet":
        dwa = tables["task_activities"].filter(pl.col("taxonomy") == taxonomy)
        dwa = dwa.group_by("dwa_id").agg(pl.col("dwa_title", "iwa_id", "iwa_title").first()).select(
            skill_id="dwa:" + pl.col("dwa_id"), label="dwa_title", kind=pl.lit("activity"),
            iwa_id="iwa_id", iwa_title="iwa_title",
        )
        sk = pl.concat([sk, dwa], how="diagonal_relaxed")
    sk = sk.with_columns(node=SKILL + pl.col("skill_id"), bipartite=pl.lit(1), taxonomy=pl.lit(taxonomy))
    return linked.join(sk, on="node", how="left").select("node", "bipartite", "taxonomy", pl.exclude(
        "node", "bipartite", "taxonomy")).sort("node")


def frames(tables: Mapping[str, pl.DataFrame], taxonomy: str,
           scores: pl.DataFrame | None = None) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``(occupations, skills, edges)`` of a taxonomy's graph from the canonical tables."""
    check_taxonomy(taxonomy)
    edges = edge_frame(tables, taxonomy)
    return occupation_frame(tables, taxonomy, scores), skill_frame(tables, taxonomy, edges), edges


def _attrs(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "node" and v is not None}


def graph_from_frames(occupations: pl.DataFrame, skills: pl.DataFrame, edges: pl.DataFrame) -> nx.Graph:
    """A networkx bipartite graph from the three frames (null attributes are left out).

    >>> occ = pl.DataFrame({"node": ["occ:a"], "bipartite": [0]})
    >>> sk = pl.DataFrame({"node": ["skill:x"], "bipartite": [1]})
    >>> ed = pl.DataFrame({"occ": ["occ:a"], "skill": ["skill:x"], "weight": [1.0]})
    >>> graph_from_frames(occ, sk, ed).edges(data=True)
    EdgeDataView([('occ:a', 'skill:x', {'weight': 1.0})])
    """
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from((r["node"], _attrs(r)) for r in occupations.iter_rows(named=True))
    G.add_nodes_from((r["node"], _attrs(r)) for r in skills.iter_rows(named=True))
    G.add_edges_from(
        (r["occ"], r["skill"], {k: v for k, v in r.items() if k not in ("occ", "skill") and v is not None})
        for r in edges.iter_rows(named=True)
    )
    return G
