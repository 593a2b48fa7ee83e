"""Histograms of every construct over occupations and employment."""

from __future__ import annotations

from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context


def data(ctx: Context) -> dict:
    dist = tb.distribution(ctx.df)
    ctx.add_table("distribution.csv", dist)
    svg = figs.to_svg(figs.distribution(dist, ctx.threshold), "fig-distribution", "Distribution of each construct")
    return {"svg": Markup(svg), "threshold": ctx.threshold}
