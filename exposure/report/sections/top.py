"""The occupations with the most workers in highly offshorable work."""

from __future__ import annotations

from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import approx, figure, interval, table, text

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
    if split:
        cols.append(("occupations", "O*NET occupations in it", lambda v: text(str(v).replace(" | ", "; "))))
    top = top.with_columns(off=top.select("offshorability", "offshorability_lo", "offshorability_hi").to_struct())
    cols.append(("off", "offshorability", lambda s: interval(s["offshorability"], s["offshorability_lo"],
                                                              s["offshorability_hi"], lambda v: f"{v:.2f}")))
    return {
        "n": N_TOP, "threshold": t, "split": split, "estimated": estimated, "unit_word": unit_word,
        "country": ctx.weights.country_name,
        "fig": Markup(figure("fig-top", svg, f"Workers in the {N_TOP} {unit_word} with the most employment in "
                             f"occupations scoring above {t:g}, largest first.", ["top_exposed.csv"])),
        "table": Markup(table(top, cols, label="occupations with the most exposed workers")),
    }
