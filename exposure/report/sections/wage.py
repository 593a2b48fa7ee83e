"""Exposure against the US (OEWS) wage; a country report has no wages and says so."""

from __future__ import annotations

from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import figure, num, score, table, text


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
        "fig": Markup(figure(
            "fig-wage", svg,
            "Each circle is an occupation (area proportional to employment) at its OEWS May 2024 annual mean wage "
            "(hourly mean x 2,080 where only an hourly wage is published). The line is the employment-weighted mean "
            "offshorability in each employment decile of the wage distribution, whiskers from the bounds.",
            ["wage_deciles.csv", "occupations.csv"])),
        "table": Markup(table(deciles, [
            ("decile", "wage decile", text), ("wage_min", "lowest wage, $", num), ("wage_max", "highest wage, $", num),
            ("offshorability", "offshorability", score), ("routinizability", "routinizability", score),
            ("place_boundness", "place-boundness", score)], label="wage deciles")),
    }
