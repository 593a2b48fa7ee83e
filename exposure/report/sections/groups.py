"""Exposure by major group (SOC 2018 or ISCO-08), sorted by value."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import pct, score, table, text


def data(ctx: Context) -> dict:
    t = ctx.threshold
    mg = tb.by_major_group(ctx.df, t)
    ctx.add_table("major_groups.csv", mg)
    ranked = mg.filter(pl.col("employment") > 0).sort(["offshorability", "major_code"], descending=[True, False])
    ctx.fact("groups", {"highest": ranked.row(0, named=True)["major_title"],
                        "highest_value": ranked.row(0, named=True)["offshorability"],
                        "lowest": ranked.row(-1, named=True)["major_title"],
                        "lowest_value": ranked.row(-1, named=True)["offshorability"]})
    svg = figs.to_svg(figs.major_groups(mg), "fig-major-groups", "Exposure by major group")
    group_word = "SOC 2018 major group" if ctx.taxonomy == "onet" else "ISCO-08 major group"
    return {
        "svg": Markup(svg), "group_word": group_word,
        "table": Markup(table(ranked, [
            ("major_code", "code", text), ("major_title", "major group", text),
            ("employment_share", "share of employment", pct),
            ("share_high_offshorability", f"highly offshorable (> {t:g})", pct),
            ("offshorability", "offshorability", score), ("routinizability", "routinizability", score),
            ("place_boundness", "place-boundness", score)], label="major groups")),
    }
