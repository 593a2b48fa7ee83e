"""The headline shares across ILOSTAT countries (same scores, each country's employment)."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context, country_years
from exposure.report.html import approx, interval, table, text


def data(ctx: Context) -> dict:
    if not ctx.options.countries:
        return {"empty": True}
    rows = []
    for c, y in country_years(ctx.inputs, ctx.options):
        w = ctx.weights_for("ilostat", c, y)
        rows.append({"country": c, "country_name": w.country_name, "year": w.year, "survey": w.survey,
                     "unclassified_share": w.unclassified_share, **tb.country_row(ctx.frame_for(w), ctx.threshold)})
    cols = ["country", "country_name", "year", "survey", "employment", "unclassified_share",
            *[f"{c}{s}" for c, _ in tb.HEADLINE for s in ("", "_lo", "_hi")],
            "mean_offshorability", "mean_offshorability_lo", "mean_offshorability_hi"]
    table_ = pl.DataFrame(rows).sort("country").select(cols)
    ctx.add_table("countries.csv", table_)
    svg = figs.to_svg(figs.countries(table_), "fig-countries", "Country comparison")
    show = table_.sort(["offshorability", "country"], descending=[True, False]).with_columns(
        off=pl.struct("offshorability", "offshorability_lo", "offshorability_hi"),
        rou=pl.struct("routinizability", "routinizability_lo", "routinizability_hi"),
        pla=pl.struct("place_boundness", "place_boundness_lo", "place_boundness_hi"),
    )

    def iv(name):
        return lambda s: interval(s[name], s[f"{name}_lo"], s[f"{name}_hi"])

    return {
        "empty": False,
        "svg": Markup(svg),
        "table": Markup(table(show, [
            ("country_name", "country", text), ("year", "year", text), ("survey", "survey", text),
            ("employment", "employment", approx),
            ("off", "highly offshorable", iv("offshorability")), ("rou", "highly routine", iv("routinizability")),
            ("pla", "place-bound", iv("place_boundness"))], label="countries")),
    }
