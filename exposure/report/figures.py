"""The report's figures, drawn with matplotlib and returned as inline SVG text.

Determinism: every figure is drawn inside :data:`RC` (a fixed ``svg.hashsalt``, text kept
as text, mathtext off so a ``$`` in an occupation title is just a dollar sign), saved
without date or creator metadata, and its element ids are prefixed with the figure's
name so that several SVGs can live in one HTML page. Random jitter uses a seeded
generator over rows in a fixed order; graph layouts take a fixed seed.
"""

from __future__ import annotations

import io
import math
import re
from html import escape

import matplotlib
import numpy as np
import polars as pl
from matplotlib.figure import Figure

from exposure.report.tables import HEADLINE, HIGH_SKILL, SKILL_NAME
from exposure.scoring.codebook import CONSTRUCTS

SEED = 20240501
RC = {
    "svg.hashsalt": "exposure-report",
    "svg.fonttype": "none",
    "svg.image_inline": True,
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
}
COLOURS = {
    "offshorability": "#b03a2e",
    "routinizability": "#2e86c1",
    "place_boundness": "#239b56",
    "person_bound": "#7d3c98",
    "site_bound": "#b9770e",
    "material_bound": "#566573",
    "e_skill_content": "#1a5276",
}
LABELS = {
    "offshorability": "Offshorability",
    "routinizability": "Routinizability",
    "place_boundness": "Place-boundness",
    "person_bound": "Person-bound",
    "site_bound": "Site-bound",
    "material_bound": "Material-bound",
    "e_skill_content": "E-skill content",
}
GREY = "#7f8c8d"


def wrap(text: str | None, width: int = 40) -> str:
    """A full label broken over lines of at most ``width`` characters (nothing cut)."""
    import textwrap

    return "\n".join(textwrap.wrap("" if text is None else " ".join(str(text).split()), width)) or ""


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def to_svg(fig: Figure, name: str, title: str) -> str:
    """The figure as an SVG element for inline use: no XML prolog, no metadata, ids
    prefixed with ``name``, scalable width, and an accessible label."""
    buf = io.BytesIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                                 "Type": None}, bbox_inches="tight")
    svg = buf.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _ID.sub(lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" class="chart" ', 1)
    return svg.strip() + "\n"


def _figure(w: float, h: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(w, h), layout="constrained")


def _pct(ax, axis: str = "x") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def _dollars(ax, lo: float, hi: float) -> None:
    """Plain dollar tick labels on a log axis (no mathtext)."""
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    ticks = [t for t in (10_000, 20_000, 30_000, 50_000, 75_000, 100_000, 150_000, 200_000, 300_000, 500_000)
             if lo / 1.5 <= t <= hi * 1.5]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(ticks, [f"${t // 1000:,}k" for t in ticks])


def distribution(table: pl.DataFrame, threshold: float) -> Figure:
    """Histogram of each construct: employment share per bin, occupation share as a line."""
    with matplotlib.rc_context(RC):
        fig = _figure(10.5, 4.6)
        axes = fig.subplots(2, (len(CONSTRUCTS) + 1) // 2, sharex=True, sharey=True)
        for ax in list(axes.flat)[len(CONSTRUCTS):]:
            ax.set_visible(False)
        for ax, c in zip(axes.flat, CONSTRUCTS):
            d = table.filter(pl.col("construct") == c)
            lo, hi = d["bin_lo"].to_numpy(), d["bin_hi"].to_numpy()
            ax.bar(lo, d["employment_share"].to_numpy(), width=hi - lo, align="edge", color=COLOURS[c],
                   alpha=0.8, label="employment")
            ax.step(np.append(lo, hi[-1]), np.append(d["occupation_share"].to_numpy(), d["occupation_share"][-1]),
                    where="post", color="#1c2833", lw=1, label="occupations")
            ax.axvline(threshold, color=GREY, ls="--", lw=0.8)
            ax.set_title(LABELS[c])
            _pct(ax, "y")
        axes[0, 0].legend(frameon=False, fontsize=9, loc="upper right")
        for ax in axes[1]:
            ax.set_xlabel("score")
        for ax in axes[:, 0]:
            ax.set_ylabel("share per bin")
    return fig


def major_groups(table: pl.DataFrame) -> Figure:
    """Employment-weighted mean offshorability by major group, highest first, full
    group names, whiskers from the lower and upper bounds."""
    table = table.filter(pl.col("employment") > 0).sort(["offshorability", "major_code"], descending=[True, False])
    n = table.height
    names = [wrap(f"{t} ({code})", 50) for code, t in zip(table["major_code"], table["major_title"].fill_null(""))]
    lines = max([x.count("\n") + 1 for x in names] or [1])
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 0.9 + n * (0.17 * lines + 0.08))
        ax = fig.subplots()
        y = np.arange(n)
        v, lo, hi = (table[f"offshorability{s}"].to_numpy() for s in ("", "_lo", "_hi"))
        ax.barh(y, v, color=COLOURS["offshorability"], height=0.7)
        ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#1c2833", capsize=2, lw=0.8)
        for yy, val in zip(y, v):
            ax.text(0.01, yy, f"{val:.2f}", va="center", ha="left", color="white", fontsize=9, fontweight="bold")
        ax.set_xlim(0, 1)
        ax.set_xlabel("employment-weighted mean offshorability (whiskers: lower and upper bounds)")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
    return fig


def wage(df: pl.DataFrame, deciles: pl.DataFrame) -> Figure:
    """Offshorability against the OEWS annual mean wage; circle area ~ employment; the
    line is the employment-weighted mean per wage decile."""
    d = df.filter(pl.col("annual_wage").is_not_null() & (pl.col("employment") > 0)).sort("occupation_code")
    with matplotlib.rc_context(RC):
        fig = _figure(7.5, 4.2)
        ax = fig.subplots()
        emp = d["employment"].to_numpy()
        size = 4 + 300 * emp / emp.max()
        ax.scatter(d["annual_wage"].to_numpy(), d["offshorability"].to_numpy(), s=size, alpha=0.35,
                   color=COLOURS["offshorability"], edgecolors="none", label="occupation (area ~ employment)",
                   rasterized=True)
        ax.errorbar(deciles["wage_mean"].to_numpy(), deciles["offshorability"].to_numpy(),
                    yerr=[deciles["offshorability"].to_numpy() - deciles["offshorability_lo"].to_numpy(),
                          deciles["offshorability_hi"].to_numpy() - deciles["offshorability"].to_numpy()],
                    color="#1c2833", marker="o", ms=4, lw=1.2, capsize=2, label="wage decile, weighted mean")
        ax.set_xscale("log")
        _dollars(ax, d["annual_wage"].min(), d["annual_wage"].max())
        ax.set_xlabel("annual mean wage, US dollars (BLS OEWS May 2024, log scale)")
        ax.set_ylabel("offshorability")
        ax.set_ylim(0, 1)
        ax.legend(frameon=False, fontsize=9, loc="upper left")
    return fig


def quadrant(df: pl.DataFrame, corners: pl.DataFrame, taxonomy: str, threshold: float) -> Figure:
    """Skill level against offshorability, each circle an occupation (jittered across its
    level), the four corners named with their employment share and largest occupation."""
    d = df.filter(pl.col("skill_level").is_not_null()).sort("occupation_code")
    rng = np.random.default_rng(SEED)
    levels = d["skill_level"].to_numpy().astype(float)
    x = levels + rng.uniform(-0.32, 0.32, size=len(levels))
    emp = d["employment"].to_numpy()
    top = int(levels.max()) if len(levels) else 5
    split = HIGH_SKILL[taxonomy] - 0.5
    with matplotlib.rc_context(RC):
        fig = _figure(7.5, 4.8)
        ax = fig.subplots()
        ax.scatter(x, d["offshorability"].to_numpy(), s=4 + 250 * emp / max(emp.max(), 1), alpha=0.35,
                   color=COLOURS["offshorability"], edgecolors="none", rasterized=True)
        ax.axhline(threshold, color=GREY, ls="--", lw=0.9)
        ax.axvline(split, color=GREY, ls="--", lw=0.9)
        ax.set_xlim(0.5, top + 0.5)
        ax.set_ylim(0, 1.08)
        ax.set_xticks(range(1, top + 1))
        ax.set_xlabel(SKILL_NAME[taxonomy])
        ax.set_ylabel("offshorability")
        spots = {("low", "high"): (0.55, 1.06, "left", "top"), ("high", "high"): (top + 0.45, 1.06, "right", "top"),
                 ("low", "low"): (0.55, 0.01, "left", "bottom"), ("high", "low"): (top + 0.45, 0.01, "right", "bottom")}
        for r in corners.iter_rows(named=True):
            xx, yy, ha, va = spots[(r["skill"], r["offshorability"])]
            largest = wrap("e.g. " + r["largest_occupations"].split(" | ")[0], 32) if r["largest_occupations"] else ""
            ax.text(xx, yy, f"{r['corner']}\n{r['employment_share']:.0%} of employment\n{largest}",
                    ha=ha, va=va, fontsize=9,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#d5d8dc", "alpha": 0.9})
    return fig


def identity(table: pl.DataFrame) -> Figure:
    """identity_dissolution of the most dissolving and the most protected occupations."""
    with matplotlib.rc_context(RC):
        n = max(table.filter(pl.col("group") == "dissolving").height,
                table.filter(pl.col("group") == "protected").height, 1)
        fig = _figure(9.0, 1.0 + 0.42 * n)
        axes = fig.subplots(1, 2, sharex=True)
        for ax, group, colour, title in zip(
            axes, ("dissolving", "protected"), (COLOURS["offshorability"], COLOURS["place_boundness"]),
            ("Identity dissolves most into generic e-skills", "Identity most protected"),
        ):
            d = table.filter(pl.col("group") == group).sort("rank")
            y = np.arange(d.height)
            ax.barh(y, d["identity_dissolution"].to_numpy(), color=colour, height=0.7)
            ax.set_yticks(y, [wrap(t, 34) for t in d["title"]], fontsize=9)
            ax.invert_yaxis()
            ax.set_title(title)
            ax.set_xlabel("identity_dissolution")
    return fig


def countries(table: pl.DataFrame) -> Figure:
    """Headline employment shares by country, with intervals, highest offshorable share first."""
    table = table.sort(["offshorability", "country"], descending=[True, False])
    n = table.height
    with matplotlib.rc_context(RC):
        fig = _figure(9.0, 1.3 + 0.3 * n)
        axes = fig.subplots(1, 3, sharey=True)
        y = np.arange(n)
        names = [f"{wrap(name, 24)} {year}" for name, year in zip(table["country_name"], table["year"])]
        for ax, (c, phrase) in zip(axes, HEADLINE):
            v, lo, hi = (table[f"{c}{s}"].to_numpy() for s in ("", "_lo", "_hi"))
            ax.barh(y, v, color=COLOURS[c], height=0.7)
            ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#1c2833", capsize=2, lw=0.8)
            ax.set_xlim(0, 1)
            _pct(ax)
            ax.set_title(wrap(f"Employment {phrase}", 22))
        axes[0].set_yticks(y, names)
        axes[0].invert_yaxis()
    return fig


def skill_graph(nodes: pl.DataFrame, edges: pl.DataFrame) -> Figure:
    """A small subgraph around generic e-skills, drawn at the stored layout positions.

    ``nodes``: node, kind (e-skill | skill | occupation), label, x, y, value (the
    occupation's identity_dissolution); ``edges``: source, target."""
    with matplotlib.rc_context(RC):
        fig = _figure(10.0, 7.9)
        ax = fig.subplots()
        pos = {r["node"]: (r["x"], r["y"]) for r in nodes.iter_rows(named=True)}
        for s, t in edges.select("source", "target").iter_rows():
            (x0, y0), (x1, y1) = pos[s], pos[t]
            ax.plot([x0, x1], [y0, y1], color="#abb2b9", lw=0.6, zorder=1)
        style = {
            "e-skill": dict(marker="s", s=140, color=COLOURS["offshorability"], label="generic e-skill"),
            "skill": dict(marker="D", s=50, color=COLOURS["place_boundness"], label="distinctive skill"),
            "occupation": dict(marker="o", s=70, color=COLOURS["routinizability"], label="occupation"),
        }
        for kind, st in style.items():
            d = nodes.filter(pl.col("kind") == kind)
            if d.height:
                ax.scatter(d["x"].to_numpy(), d["y"].to_numpy(), zorder=2, edgecolors="white", linewidths=0.5, **st)
        for r in nodes.iter_rows(named=True):
            bold = r["kind"] == "e-skill"
            angle = math.atan2(r["y"], r["x"])
            c, sn = math.cos(angle), math.sin(angle)
            ha = "left" if c > 0.2 else "right" if c < -0.2 else "center"
            va = "bottom" if sn > 0.2 else "top" if sn < -0.2 else "center"
            if bold:  # inner ring: labels above or below their square, so they stay clear of the occupations
                ha, va, c, sn = "center", ("bottom" if sn >= 0 else "top"), 0.0, (1.0 if sn >= 0 else -1.0)
            ax.annotate(wrap(r["label"], 17 if bold else 24), (r["x"], r["y"]),
                        xytext=(5 * c, 5 * sn), textcoords="offset points", ha=ha, va=va,
                        fontsize=9 if bold else 8.5, fontweight="bold" if bold else "normal", zorder=3,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7} if bold else None)
        ax.legend(frameon=False, fontsize=9.5, loc="upper left", bbox_to_anchor=(-0.05, 1.02), markerscale=0.7)
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_xlim(-1.85, 1.85)
        ax.set_ylim(-1.45, 1.45)
    return fig


def threshold_curve(curve: pl.DataFrame, threshold: float, between: tuple[float, float],
                    literature: list[tuple[str, float, float]] = ()) -> Figure:
    """Share of employment above each threshold (offshorability), the band between the
    shares from the lower and upper bounds, the chosen threshold and the headline range,
    and published estimates as reference bands."""
    d = curve.filter(pl.col("construct") == "offshorability").sort("threshold")
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 4.0)
        ax = fig.subplots()
        x = d["threshold"].to_numpy()
        ax.axvspan(between[0], between[1], color="#f4f6f7", zorder=0, label=f"headline range {between[0]:g}\u2013{between[1]:g}")
        ax.fill_between(x, d["share_lo"].to_numpy(), d["share_hi"].to_numpy(), color=COLOURS["offshorability"],
                        alpha=0.18, lw=0, label="from lower and upper bounds")
        ax.plot(x, d["share"].to_numpy(), color=COLOURS["offshorability"], lw=2, marker="o", ms=3,
                label="point scores")
        for i, (name, lo, hi) in enumerate(literature):
            ax.axhspan(lo, hi, color=["#2e86c1", "#239b56"][i % 2], alpha=0.15, lw=0)
            ax.text(0.97, (lo + hi) / 2, name, ha="right", va="center", fontsize=9, color="#1c2833")
        ax.axvline(threshold, color=GREY, ls="--", lw=1)
        ax.set_xlim(0.05, 0.95)
        ax.set_ylim(0, 1)
        _pct(ax, "y")
        ax.set_xlabel("threshold: an occupation counts as highly offshorable when its score is above it")
        ax.set_ylabel("share of employment above the threshold")
        ax.legend(frameon=False, loc="upper right", bbox_to_anchor=(1.0, 1.0))
    return fig


def bands(table: pl.DataFrame) -> Figure:
    """Share of employment in each exposure band, in band order."""
    palette = ["#d5d8dc", "#f5b7b1", "#ec7063", "#b03a2e", "#78281f"]
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 2.9)
        ax = fig.subplots()
        y = np.arange(table.height)
        v = table["employment_share"].to_numpy()
        ax.barh(y, v, color=palette[: table.height], height=0.7, edgecolor="#7f8c8d", lw=0.5)
        for yy, val in zip(y, v):
            ax.text(val + 0.01, yy, f"{val:.0%}", va="center", fontsize=10)
        ax.set_yticks(y, [wrap(f"{b}: {label}", 30) for b, label in zip(table["band"], table["label"])])
        ax.invert_yaxis()
        ax.set_xlim(0, max(0.6, float(v.max()) + 0.1) if len(v) else 1)
        _pct(ax)
        ax.set_xlabel("share of employment")
    return fig


def top_exposed(table: pl.DataFrame, unit_word: str) -> Figure:
    """Workers in occupations above the threshold, largest first, full names."""
    names = [wrap(t, 56) for t in table["unit_title"]]
    lines = max([x.count("\n") + 1 for x in names] or [1])
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 0.9 + table.height * (0.17 * lines + 0.08))
        ax = fig.subplots()
        y = np.arange(table.height)
        v = table["exposed"].to_numpy() / 1e6
        ax.barh(y, v, color=COLOURS["offshorability"], height=0.7)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel(f"workers in highly offshorable {unit_word}, millions")
    return fig


def trend(table: pl.DataFrame) -> Figure:
    """Headline employment shares by year, with the band from the bounds."""
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 3.4)
        ax = fig.subplots()
        x = table["year"].to_numpy()
        ax.fill_between(x, table["offshorability_lo"].to_numpy(), table["offshorability_hi"].to_numpy(),
                        color=COLOURS["offshorability"], alpha=0.15, lw=0, label="highly offshorable, from the bounds")
        for c, phrase in HEADLINE:
            ax.plot(x, table[c].to_numpy(), color=COLOURS[c], marker="o", lw=2, label=phrase)
        ax.set_xticks(x, [str(v) for v in x])
        ax.set_ylim(0, 1)
        _pct(ax, "y")
        ax.set_ylabel("share of employment")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def telework(points: pl.DataFrame, roc: pl.DataFrame) -> Figure:
    """Place-boundness of O*NET occupations that can and cannot be done at home
    (Dingel & Neiman 2020), and the ROC curve of place-boundness for "not teleworkable"."""
    with matplotlib.rc_context(RC):
        fig = _figure(8.0, 3.4)
        left, right = fig.subplots(1, 2, width_ratios=[1.5, 1])
        bins = np.linspace(0, 1, 21)
        for label, flag, colour in (("can be done at home", 1.0, "#2e86c1"), ("cannot", 0.0, COLOURS["place_boundness"])):
            v = points.filter(pl.col("teleworkable") == flag)["place_boundness"].to_numpy()
            left.hist(v, bins=bins, alpha=0.6, color=colour, label=f"{label} ({len(v)})")
        left.set_xlabel("place-boundness")
        left.set_ylabel("O*NET occupations")
        left.legend(frameon=False, loc="upper left")
        right.plot(roc["false_positive_rate"].to_numpy(), roc["true_positive_rate"].to_numpy(),
                   color=COLOURS["place_boundness"], lw=2)
        right.plot([0, 1], [0, 1], color=GREY, ls="--", lw=0.8)
        right.set_xlabel("false positive rate")
        right.set_ylabel("true positive rate")
        right.set_title("ROC: place-bound \u2192 not teleworkable", fontsize=10)
        right.set_aspect("equal")
    return fig
