"""Histograms of every construct over occupations and employment."""

from __future__ import annotations

from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import figure


def data(ctx: Context) -> dict:
    dist = tb.distribution(ctx.df)
    ctx.add_table("distribution.csv", dist)
    svg = figs.to_svg(figs.distribution(dist, ctx.threshold), "fig-distribution", "Distribution of each construct")
    return {"fig": Markup(figure(
        "fig-distribution", svg,
        "Share of employment (bars) and of occupations (line) in each score bin of width 0.05; dashed line: the "
        f"threshold {ctx.threshold:g}. Each occupation's score is the weighted mean of its task scores.",
        ["distribution.csv"]))}
