"""Exposure against the US (OEWS) wage; a country report has no wages and says so."""

from __future__ import annotations

from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import num, score, table, text


def data(ctx: Context) -> dict:
    ctx.add_table("occupations.csv", ctx.df)
    if not ctx.wages:
        return {"wages": False, "country": ctx.weights.country_name}
    deciles = tb.wage_deciles(ctx.df)
    ctx.add_table("wage_deciles.csv", deciles)
    first, last = deciles.row(0, named=True), deciles.row(-1, named=True)
    ctx.fact("wage", {"lowest_decile": first["offshorability"], "highest_decile": last["offshorability"]})
    svg = figs.to_svg(figs.wage(ctx.df, deciles), "fig-wage", "Offshorability against wage")
    return {
        "wages": True, "first": first, "last": last,
        "svg": Markup(svg),
        "table": Markup(table(deciles, [
            ("decile", "wage decile", text), ("wage_min", "lowest wage, $", num), ("wage_max", "highest wage, $", num),
            ("offshorability", "offshorability", score), ("routinizability", "routinizability", score),
            ("place_boundness", "place-boundness", score)], label="wage deciles")),
    }
