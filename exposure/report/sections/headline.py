"""The headline as a range: exposure bands, the share-versus-threshold curve with its
interval, the range between two thresholds and what makes it wide, published estimates."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import pct, score, table, text

# Figures from the literature, quoted as published (US jobs); never computed here.
LITERATURE = (
    {"source": "Blinder (2009)", "low": 0.22, "high": 0.29,
     "claim": "of US jobs potentially offshorable",
     "reference": "Blinder, A. S. (2009). How many US jobs might be offshorable? World Economics 10(2), 41-78.",
     "ours": "offshorability"},
    {"source": "Dingel & Neiman (2020)", "low": 0.37, "high": 0.37,
     "claim": "of US jobs can be done entirely at home",
     "reference": "Dingel, J. I. and Neiman, B. (2020). How many jobs can be done at home? "
                  "Journal of Public Economics 189, 104235.",
     "ours": "not place-bound"},
)


def data(ctx: Context) -> dict:
    df, t = ctx.df, ctx.threshold
    head = ctx.add_table("headline.csv", tb.headline(df, t, ctx.wages))
    curve = tb.threshold_curve(df)
    ctx.add_table("threshold_curve.csv", curve)
    band = tb.bands(df)
    ctx.add_table("bands.csv", band)
    rng = tb.headline_range(df)
    ctx.fact("range", rng)
    rows = ctx.tables[head]
    emp = rows.filter(pl.col("measure") == "employment share")
    cards = {c: r for c, r in zip(emp["construct"], emp.iter_rows(named=True))}
    off = cards["offshorability"]
    ctx.fact("share_offshorable", {"value": off["value"], "lo": off["lo"], "hi": off["hi"], "threshold": t})
    measured = df.filter(pl.col("employment") > 0)
    not_bound = float(measured.filter(pl.col("place_boundness") <= t)["employment"].sum() / measured["employment"].sum())
    ctx.fact("share_not_place_bound", not_bound)
    high = band.filter(pl.col("band").is_in(["3", "4"]))["employment_share"].sum()
    ctx.fact("share_high_bands", float(high))
    ctx.fact("share_not_exposed", float(band.filter(pl.col("band") == "0")["employment_share"].sum()))
    lit = [(f"{r['source']}: {r['low']:.0%}" + (f"\u2013{r['high']:.0%}" if r["high"] != r["low"] else "") + " (US)",
            r["low"], r["high"] if r["high"] != r["low"] else r["low"] + 0.005)
           for r in LITERATURE if r["ours"] == "offshorability"]
    curve_svg = figs.to_svg(figs.threshold_curve(curve, t, tb.RANGE, lit), "fig-threshold",
                            "Share of employment above each threshold")
    bands_svg = figs.to_svg(figs.bands(band), "fig-bands", "Employment by exposure band")
    ours = {"offshorability": (off["value"], off["lo"], off["hi"], f"highly offshorable (above {t:g})"),
            "not place-bound": (not_bound, None, None, f"not place-bound (place-boundness at most {t:g})")}
    compare = [{**r, "ours_value": ours[r["ours"]][0], "ours_lo": ours[r["ours"]][1],
                "ours_hi": ours[r["ours"]][2], "ours_label": ours[r["ours"]][3]} for r in LITERATURE]
    return {
        "range": rng, "cards": cards, "threshold": t, "compare": compare,
        "band_rows": band.to_dicts(),
        "curve_svg": Markup(curve_svg), "bands_svg": Markup(bands_svg),
        "bands_table": Markup(table(band, [
            ("band", "band", text), ("label", "exposure", text), ("occupations", "occupations", lambda v: f"{v:,}"),
            ("employment_share", "share of employment", pct), ("rationale", "definition", text)],
            label="exposure bands")),
        "head_table": Markup(table(ctx.tables[head], [
            ("measure", "measure", text), ("phrase", "work", text), ("value", "value", score),
            ("lo", "lower", score), ("hi", "upper", score)], label="headline figures")),
        "unclassified": ctx.weights.unclassified_share, "country": ctx.weights.country_name,
        "us": ctx.weights.country == "USA",
    }
