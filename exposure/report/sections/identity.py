"""Occupational identity and the skill graph around generic e-skills (from
:mod:`exposure.graph`). The identity table itself is :func:`exposure.report.tables.identity`;
its columns flow through to the page as they are."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.graph.identity import identity_by_unit_group
from exposure.report import figures as figs
from exposure.report import graphview
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import approx, num, score, table, text

N_IDENTITY = 15
# the skill graph each report taxonomy draws on: ISCO-08 unit groups have no skill
# relations of their own, ESCO occupations (each classified in one unit group) do
GRAPH_TAXONOMY = {"onet": "onet", "isco08": "esco"}


def _available(ctx: Context) -> bool:
    i = ctx.inputs
    return not (i.identity is None or i.graph is None or i.skills is None)


def data(ctx: Context) -> dict:
    if not _available(ctx):
        return {"missing": ctx.inputs.graph_note or "The skill graph is not available."}
    via_esco = ctx.taxonomy == "isco08"
    measures = identity_by_unit_group(ctx.inputs.identity) if via_esco else ctx.inputs.identity
    ident = tb.identity(measures, ctx.df, N_IDENTITY)
    ctx.add_table("identity.csv", ident)
    svg = figs.to_svg(figs.identity(ident), "fig-identity", "Identity dissolution")
    # employment as measured: the unit's workers (not an equal split), rounded
    show = ident.join(ctx.df.select("occupation_code", "unit", "unit_size",
                                    unit_employment=pl.col("employment").sum().over("unit")),
                      on="occupation_code", how="left")
    cols = [("rank", "#", text), ("title", "occupation", text),
            ("identity_dissolution", "identity dissolution", score)]
    # the measure's parts, as exposure.report.tables.identity returns them
    known = {"group", "rank", "occupation_code", "title", "identity_dissolution", "offshorability", "employment"}
    parts = [c for c in ident.columns if c not in known]
    cols += [(c, c.replace("_", " "), score) for c in parts]
    cols += [("offshorability", "offshorability", score),
             ("unit_employment", "workers (of its code)", approx)]
    return {
        "missing": None, "n": N_IDENTITY, "shared": int((show["unit_size"] > 1).sum()),
        "svg": Markup(svg), "via_esco": via_esco, "parts": [c.replace("_", " ") for c in parts],
        "dissolving": Markup(table(show.filter(pl.col("group") == "dissolving"), cols,
                                   caption="Identity dissolves most")),
        "protected": Markup(table(show.filter(pl.col("group") == "protected"), cols,
                                  caption="Identity most protected")),
    }


def graph_data(ctx: Context) -> dict:
    if not _available(ctx):
        return {"missing": ctx.inputs.graph_note or "The skill graph is not available."}
    i, via_esco = ctx.inputs, ctx.taxonomy == "isco08"
    titles = dict(i.identity.select("occupation_code", "title").iter_rows())
    titles.update(dict(ctx.df.select("occupation_code", "title").iter_rows()) if not via_esco else {})
    nodes, edges = graphview.subgraph(i.graph, i.skills, i.identity, titles)
    ctx.add_table("skill_graph_nodes.csv", nodes)
    ctx.add_table("skill_graph_edges.csv", edges)
    svg = figs.to_svg(figs.skill_graph(nodes, edges), "fig-skill-graph", "Skill graph around generic e-skills")
    e = (i.skills.filter(pl.col("is_e_skill").fill_null(False))
         .sort(["genericity", "skill_id"], descending=[True, False], nulls_last=True).head(15))
    keep = [c for c in ("skill_id", "label", "genericity", "n_occupations", "n_isco_major_groups", "betweenness")
            if c in e.columns]
    e = e.select(keep)
    ctx.add_table("e_skills.csv", e)
    cols = [(c, c.replace("_", " "), text if c in ("skill_id", "label") else (num if c.startswith("n_") else score))
            for c in keep if c != "skill_id"]
    return {
        "missing": None,
        "svg": Markup(svg), "via_esco": via_esco, "n_eskills": nodes.filter(pl.col("kind") == "e-skill").height,
        "table": Markup(table(e, cols, caption="The most generic e-skills")),
    }
