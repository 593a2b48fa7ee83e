"""A country's headline shares over the ILOSTAT years (a US report has one OEWS year)."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import approx, interval, table, text
from exposure.report.weights import ilostat_years


def data(ctx: Context) -> dict | None:
    if ctx.options.employment != "ilostat":
        return None
    country = ctx.options.country
    rows = []
    for year in ilostat_years(ctx.inputs.ilostat, country):
        w = ctx.weights_for("ilostat", country, year)
        rows.append({"year": year, "survey": w.survey, **tb.country_row(ctx.frame_for(w), ctx.threshold)})
    trend = pl.DataFrame(rows).sort("year").select(
        "year", "survey", "employment", *[f"{c}{s}" for c, _ in tb.HEADLINE for s in ("", "_lo", "_hi")])
    ctx.add_table("trend.csv", trend)
    first, last = trend.row(0, named=True), trend.row(-1, named=True)
    ctx.fact("trend", {"first_year": first["year"], "last_year": last["year"],
                       "first": first["offshorability"], "last": last["offshorability"]})
    surveys = sorted(set(trend["survey"]))
    svg = figs.to_svg(figs.trend(trend), "fig-trend", "Headline shares by year")
    show = trend.with_columns(**{
        f"{c}_iv": pl.struct(c, f"{c}_lo", f"{c}_hi") for c, _ in tb.HEADLINE})
    cols = [("year", "year", text), ("survey", "survey", text), ("employment", "employment", approx)]
    cols += [(f"{c}_iv", phrase, lambda s, c=c: interval(s[c], s[f"{c}_lo"], s[f"{c}_hi"])) for c, phrase in tb.HEADLINE]
    return {
        "country": ctx.weights.country_name, "first": first, "last": last, "surveys": surveys, "n": trend.height,
        "threshold": ctx.threshold, "file_years": (int(ctx.inputs.ilostat["year"].min()),
                                                     int(ctx.inputs.ilostat["year"].max())),
        "svg": Markup(svg),
        "table": Markup(table(show, cols, label="years")),
    }
