"""The occupations with the most workers in highly offshorable work."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import approx, interval, table, text

N_TOP = 20


def data(ctx: Context) -> dict:
    t = ctx.threshold
    top = tb.top_exposed(ctx.df, t, N_TOP)
    ctx.add_table("top_exposed.csv", top)
    split = ctx.taxonomy == "onet" and ctx.options.employment == "oews"
    estimated = ctx.options.employment == "ilostat"
    unit_word = "SOC 2018 occupations" if split else ("ISCO-08 unit groups" if ctx.taxonomy == "isco08"
                                                       else "O*NET occupations")
    ctx.fact("top", [{"title": r["unit_title"], "exposed": r["exposed"]} for r in top.head(3).iter_rows(named=True)])
    svg = figs.to_svg(figs.top_exposed(top, unit_word), "fig-top", "Occupations with the most exposed workers")
    cols = [("rank", "#", text), ("unit", "code", text), ("unit_title", "occupation", text),
            ("exposed", "workers", approx)]
    example = None
    if split:
        cols.append(("occupations", "O*NET occupations sharing the code", lambda v: text(v.replace(" | ", "; "))))
        shared = ctx.df.filter(pl.col("unit_size") > 1).sort(["employment", "unit"], descending=[True, False])
        if shared.height:
            u = shared.row(0, named=True)["unit"]
            example = {"unit": u, "titles": shared.filter(pl.col("unit") == u).sort("occupation_code")["title"].to_list()}
    top = top.with_columns(
        off=top.select("offshorability", "offshorability_lo", "offshorability_hi").to_struct(),
        occupations=pl.when(pl.col("n_occupations") > 1).then(pl.col("occupations")).otherwise(pl.lit("")),
    )
    cols.append(("off", "offshorability", lambda s: interval(s["offshorability"], s["offshorability_lo"],
                                                              s["offshorability_hi"], lambda v: f"{v:.2f}")))
    return {
        "n": N_TOP, "threshold": t, "example": example, "split": split, "estimated": estimated, "unit_word": unit_word,
        "country": ctx.weights.country_name,
        "svg": Markup(svg),
        "table": Markup(table(top, cols, label="occupations with the most exposed workers")),
    }
