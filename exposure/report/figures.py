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
    "font.size": 9,
    "axes.titlesize": 10,
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


def short(text: str | None, n: int = 38) -> str:
    """A label cut to ``n`` characters (with an ellipsis)."""
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


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


def headline(table: pl.DataFrame) -> Figure:
    """Share of employment (and of the wage bill) above the threshold, with intervals."""
    with matplotlib.rc_context(RC):
        fig = _figure(7.5, 2.6)
        ax = fig.subplots()
        measures = [m for m in ("employment share", "wage-bill share") if m in set(table["measure"])]
        height = 0.8 / len(measures)
        for j, measure in enumerate(measures):
            for i, (c, phrase) in enumerate(HEADLINE):
                r = table.filter((pl.col("measure") == measure) & (pl.col("construct") == c)).row(0, named=True)
                y = i + (j - (len(measures) - 1) / 2) * height
                ax.barh(y, r["value"], height=height * 0.9, color=COLOURS[c], alpha=1.0 if j == 0 else 0.55,
                        label=measure if i == 0 else None)
                ax.errorbar(r["value"], y, xerr=[[r["value"] - r["lo"]], [r["hi"] - r["value"]]],
                            fmt="none", ecolor="#1c2833", capsize=3, lw=1)
                ax.text(1.03, y, f"{r['value']:.0%} ({r['lo']:.0%}\u2013{r['hi']:.0%})",
                        va="center", fontsize=8)
        ax.set_yticks(range(len(HEADLINE)), [p.capitalize() for _, p in HEADLINE])
        ax.invert_yaxis()
        ax.set_xlim(0, 1.22)
        ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        _pct(ax)
        ax.set_xlabel(f"share above the threshold {table['threshold'][0]:g} (bars: point scores; whiskers: lower and upper bounds)")
        if len(measures) > 1:
            ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.28), ncols=2, frameon=False, fontsize=8)
    return fig


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
        axes[0, 0].legend(frameon=False, fontsize=7, loc="upper right")
        for ax in axes[1]:
            ax.set_xlabel("score")
        for ax in axes[:, 0]:
            ax.set_ylabel("share per bin")
    return fig


def major_groups(table: pl.DataFrame) -> Figure:
    """Employment-weighted mean exposure by major group, with intervals."""
    table = table.filter(pl.col("employment") > 0)
    n = table.height
    with matplotlib.rc_context(RC):
        fig = _figure(9.0, 1.2 + 0.26 * n)
        axes = fig.subplots(1, 3, sharey=True)
        y = np.arange(n)
        names = [f"{code} {short(t, 44)}" for code, t in zip(table["major_code"], table["major_title"].fill_null(""))]
        for ax, (c, _) in zip(axes, HEADLINE):
            v, lo, hi = (table[f"{c}{s}"].to_numpy() for s in ("", "_lo", "_hi"))
            ax.barh(y, v, color=COLOURS[c], height=0.7)
            ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#1c2833", capsize=2, lw=0.8)
            ax.set_xlim(0, 1)
            ax.set_title(LABELS[c])
            ax.set_xlabel("employment-weighted mean")
        axes[0].set_yticks(y, names, fontsize=7.5)
        axes[0].invert_yaxis()
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
        ax.legend(frameon=False, fontsize=8, loc="upper left")
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
            largest = short(r["largest_occupations"].split(" | ")[0], 34) if r["largest_occupations"] else ""
            ax.text(xx, yy, f"{r['corner']}\n{r['employment_share']:.0%} of employment\ne.g. {largest}",
                    ha=ha, va=va, fontsize=7.5,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#d5d8dc", "alpha": 0.9})
    return fig


def identity(table: pl.DataFrame) -> Figure:
    """identity_dissolution of the most dissolving and the most protected occupations."""
    with matplotlib.rc_context(RC):
        n = max(table.filter(pl.col("group") == "dissolving").height,
                table.filter(pl.col("group") == "protected").height, 1)
        fig = _figure(9.0, 1.0 + 0.22 * n)
        axes = fig.subplots(1, 2, sharex=True)
        for ax, group, colour, title in zip(
            axes, ("dissolving", "protected"), (COLOURS["offshorability"], COLOURS["place_boundness"]),
            ("Identity dissolves most into generic e-skills", "Identity most protected"),
        ):
            d = table.filter(pl.col("group") == group).sort("rank")
            y = np.arange(d.height)
            ax.barh(y, d["identity_dissolution"].to_numpy(), color=colour, height=0.7)
            ax.set_yticks(y, [short(t, 40) for t in d["title"]], fontsize=7.5)
            ax.invert_yaxis()
            ax.set_title(title)
            ax.set_xlabel("identity_dissolution")
    return fig


def countries(table: pl.DataFrame) -> Figure:
    """Headline employment shares by country, with intervals."""
    n = table.height
    with matplotlib.rc_context(RC):
        fig = _figure(9.0, 1.3 + 0.3 * n)
        axes = fig.subplots(1, 3, sharey=True)
        y = np.arange(n)
        names = [f"{short(name, 22)} {year}" for name, year in zip(table["country_name"], table["year"])]
        for ax, (c, phrase) in zip(axes, HEADLINE):
            v, lo, hi = (table[f"{c}{s}"].to_numpy() for s in ("", "_lo", "_hi"))
            ax.barh(y, v, color=COLOURS[c], height=0.7)
            ax.errorbar(v, y, xerr=[v - lo, hi - v], fmt="none", ecolor="#1c2833", capsize=2, lw=0.8)
            ax.set_xlim(0, 1)
            _pct(ax)
            ax.set_title(f"Employment {phrase}")
        axes[0].set_yticks(y, names)
        axes[0].invert_yaxis()
    return fig


def skill_graph(nodes: pl.DataFrame, edges: pl.DataFrame) -> Figure:
    """A small subgraph around generic e-skills, drawn at the stored layout positions.

    ``nodes``: node, kind (e-skill | skill | occupation), label, x, y, value (the
    occupation's identity_dissolution); ``edges``: source, target."""
    with matplotlib.rc_context(RC):
        fig = _figure(9.0, 6.6)
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
            ax.annotate(short(r["label"], 30 if r["kind"] != "occupation" else 34), (r["x"], r["y"]),
                        xytext=(5 * c, 5 * sn), textcoords="offset points", ha=ha, va=va,
                        fontsize=7.5 if bold else 6.5, fontweight="bold" if bold else "normal", zorder=3,
                        bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7} if bold else None)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(-0.05, 1.02), markerscale=0.7)
        ax.set_axis_off()
        ax.set_aspect("equal")
        ax.set_xlim(-1.55, 1.55)
        ax.set_ylim(-1.12, 1.12)
    return fig
