"""Skill level against offshorability: four corners."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import pct, table, text


def data(ctx: Context) -> dict:
    tax, t, df = ctx.taxonomy, ctx.threshold, ctx.df
    q = tb.quadrant(df, tax, t)
    ctx.add_table("quadrant.csv", q)
    missing = df.filter(pl.col("skill_level").is_null())
    svg = figs.to_svg(figs.quadrant(df, q, tax, t), "fig-quadrant", "Skill level against offshorability")
    return {
        "svg": Markup(svg), "skill_name": tb.SKILL_NAME[tax], "high_skill": tb.HIGH_SKILL[tax], "threshold": t,
        "table": Markup(table(q, [
            ("corner", "corner", text), ("occupations", "occupations", lambda v: f"{v:,}"),
            ("employment_share", "share of employment", pct),
            ("largest_occupations", "largest occupations", lambda v: text(str(v).replace(" | ", "; ")))],
            label="quadrant")),
        "missing": missing.height,
        "missing_share": missing["employment"].sum() / max(df["employment"].sum(), 1),
    }
