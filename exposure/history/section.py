"""The report section "Which identities are dissolving, 2008-2025", self-contained: its data
(:func:`section_tables`) and its HTML fragment (:func:`section_html`), joined by
:func:`section_data` for the report's section list (:mod:`exposure.report.sections.dissolving`).

The section ranks O*NET occupations by how far their task *content* moved toward generic
screen work (the :data:`~exposure.history.trajectories.SCREEN` construct, rewording matched
out) from their first task list (O*NET 13.0-25.1) to 29.2, shows the employment they hold,
and the share of employment in occupations that moved by at least
:data:`~exposure.history.trajectories.MOVED_BY`.
"""

from __future__ import annotations

import textwrap

import numpy as np
import polars as pl

from exposure.errors import ExposureError
from exposure.history.trajectories import LAST, MOVED_BY, SCREEN, History

ID, TITLE = "dissolving-history", "Which identities are dissolving, 2008-2025"
N_SHOWN = 15


def section_tables(h: History, employment: pl.DataFrame | None = None) -> dict[str, pl.DataFrame]:
    """The section's tables. ``employment`` (occupation_code, employment) weights the
    shares; default: OEWS May 2024 through :func:`exposure.history.outputs.with_employment`."""
    from exposure.history.outputs import first_look, with_employment

    occ = h.occupations
    if employment is None:
        occ = with_employment(occ).with_columns(unit=pl.col("onet_code").str.slice(0, 7))
    else:
        unit = pl.col("unit") if "unit" in employment.columns else pl.col("occupation_code").str.slice(0, 7)
        occ = occ.join(employment.select(onet_code="occupation_code", employment="employment", unit=unit),
                       on="onet_code", how="left")
    # shares count every worker once (a shared code's employment split among its occupations);
    # the tables show the workers of the occupation's code as the statistics measure them
    occ = occ.with_columns(pl.col("employment").fill_null(0.0)).with_columns(
        workers=pl.col("employment").sum().over("unit"))
    total = occ["employment"].sum()
    change = pl.col(f"{SCREEN}_change")
    redefined = occ.filter(pl.col("definition_changed"))
    occ = occ.filter(~pl.col("definition_changed"))
    top = (occ.filter(change.is_not_null()).sort([f"{SCREEN}_change", "onet_code"], descending=[True, False])
           .head(N_SHOWN).with_row_index("rank", offset=1)
           .select("rank", "onet_code", "title", "first_release", f"{SCREEN}_first", f"{SCREEN}_last",
                   f"{SCREEN}_change", "n_resurveys", "n_appeared", "n_disappeared",
                   *[f"e_skill_share_technology_{r}" for r in ("24.1", LAST)], "employment", "workers"))
    rows = []
    for label, flag in (
        (f"task content moved toward generic screen work (+{MOVED_BY:g} or more)", change >= MOVED_BY),
        (f"moved away from it ({MOVED_BY:g} or more)", change <= -MOVED_BY),
        ("moved less either way", change.abs() < MOVED_BY),
        ("never re-surveyed since the first list (no evidence either way)", pl.col("n_resurveys") == 0),
    ):
        sub = occ.filter(flag)
        rows.append({"group": label, "occupations": sub.height, "employment": sub["employment"].sum(),
                     "employment_share": sub["employment"].sum() / total if total else None})
    rows.append({"group": "split or merged on the way to O*NET-SOC 2019 (left out: a new definition, not "
                          "only new work)", "occupations": redefined.height,
                 "employment": redefined["employment"].sum(),
                 "employment_share": redefined["employment"].sum() / total if total else None})
    shares = pl.DataFrame(rows)
    return {"history_dissolving.csv": top, "history_moved.csv": shares, "history_first_look.csv": first_look(h)}


def isco_section_tables(h: History, units: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The section's tables for ISCO-08 unit groups: each unit group takes the mean change of
    the O*NET occupations the crosswalk maps to it (O*NET -> SOC 2018 -> SOC 2010 -> ISCO-08),
    weighted by crosswalk weight x OEWS employment (as the ISCO-08 scores are carried from
    O*NET); shares weighted by the report's employment of the unit groups (``units``:
    occupation_code, title, employment)."""
    from exposure.history.outputs import first_look, with_employment
    from taxonomies import crosswalks, load

    c = f"{SCREEN}_change"
    occ = with_employment(h.occupations).filter(~pl.col("definition_changed") & pl.col(c).is_not_null())
    links = load("crosswalk", only="soc").filter(pl.col("method") == crosswalks.ONET_TO_ISCO).select(
        onet_code="from_code", occupation_code="to_code", cw="weight")
    df = links.join(occ, on="onet_code", how="inner").with_columns(w=pl.col("cw") * pl.col("employment").fill_null(0.0))
    df = df.with_columns(w=pl.when(pl.col("w").sum().over("occupation_code") > 0).then(pl.col("w"))
                         .otherwise(pl.col("cw"))).sort("occupation_code", "onet_code")
    mean = {k: ((pl.col(k) * pl.col("w")).sum() / pl.col("w").sum()) for k in (f"{SCREEN}_first", f"{SCREEN}_last", c)}
    agg = df.group_by("occupation_code").agg(
        *[v.alias(k) for k, v in mean.items()], pl.len().alias("onet_occupations"),
        pl.col("title").sort_by(["w", "onet_code"], descending=[True, False]).first().alias("largest_onet"),
    )
    u = units.select("occupation_code", "title", pl.col("employment").fill_null(0.0)).join(
        agg, on="occupation_code", how="left")
    total = u["employment"].sum()
    top = (u.filter(pl.col(c).is_not_null()).sort([c, "occupation_code"], descending=[True, False]).head(N_SHOWN)
           .with_row_index("rank", offset=1)
           .select("rank", "occupation_code", "title", f"{SCREEN}_first", f"{SCREEN}_last", c, "onet_occupations",
                   "largest_onet", "employment", first_release=pl.lit("ISCO ") + pl.col("occupation_code")))
    rows = []
    for label, flag in (
        (f"task content moved toward generic screen work (+{MOVED_BY:g} or more)", pl.col(c) >= MOVED_BY),
        (f"moved away from it ({MOVED_BY:g} or more)", pl.col(c) <= -MOVED_BY),
        ("moved less either way", pl.col(c).abs() < MOVED_BY),
        ("no O*NET occupation with a stable definition to follow", pl.col(c).is_null()),
    ):
        sub = u.filter(flag)
        rows.append({"group": label, "occupations": sub.height, "employment": sub["employment"].sum(),
                     "employment_share": sub["employment"].sum() / total if total else None})
    return {"history_dissolving.csv": top, "history_moved.csv": pl.DataFrame(rows),
            "history_first_look.csv": first_look(h)}


def figure(top: pl.DataFrame):
    """First and last content score of the top occupations, as arrows."""
    import matplotlib
    from matplotlib.figure import Figure

    from exposure.report.figures import RC

    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(8.5, 1.2 + 0.36 * max(top.height, 1)), layout="constrained")
        ax = fig.subplots()
        d = top.sort("rank")
        y = np.arange(d.height)
        a, b = d[f"{SCREEN}_first"].to_numpy(), d[f"{SCREEN}_last"].to_numpy()
        ax.hlines(y, a, b, color="#999999", linewidth=1.2)
        ax.scatter(a, y, color="#999999", s=18, label="first task list", zorder=3)
        ax.scatter(b, y, color="#b2182b", s=22, label=f"O*NET {LAST}", zorder=3)
        ax.set_yticks(y, [textwrap.fill(f"{t} ({r})", 48) for t, r in zip(d["title"], d["first_release"])], fontsize=9)
        ax.invert_yaxis()
        ax.set_xlabel(f"{SCREEN} of the task list (content: rewording matched out)")
        ax.legend(loc="lower right", fontsize=9, frameon=False)
    return fig


def _tables_html(tables: dict[str, pl.DataFrame]) -> tuple[str, str]:
    from exposure.report.html import approx, num, pct, score, table, text

    if "onet_occupations" in tables["history_dissolving.csv"].columns:  # ISCO-08 unit groups
        cols = [("rank", "#", text), ("title", "unit group", text), (f"{SCREEN}_first", "first lists", score),
                (f"{SCREEN}_last", LAST, score), (f"{SCREEN}_change", "change", score),
                ("onet_occupations", "O*NET occupations", num), ("largest_onet", "largest O*NET occupation", text),
                ("employment", "workers", approx)]
        share_cols = [("group", "unit groups whose task content", text), ("occupations", "unit groups", num),
                      ("employment", "workers", approx), ("employment_share", "share of employment", lambda v: pct(v, 1))]
        return (table(tables["history_dissolving.csv"], cols, caption="Task content moving toward generic screen work"),
                table(tables["history_moved.csv"], share_cols,
                      caption="Share of employment in unit groups whose task content moved"))

    cols = [("rank", "#", text), ("title", "occupation", text), ("first_release", "first list", text),
            (f"{SCREEN}_first", "then", score), (f"{SCREEN}_last", LAST, score), (f"{SCREEN}_change", "change", score),
            ("n_resurveys", "re-surveys", num), ("n_appeared", "tasks in", num), ("n_disappeared", "tasks out", num),
            ("e_skill_share_technology_24.1", "tech e-skill share 24.1", score),
            (f"e_skill_share_technology_{LAST}", f"tech e-skill share {LAST}", score),
            ("workers", "workers (its code)", approx)]
    share_cols = [("group", "occupations whose task content", text), ("occupations", "occupations", num),
                  ("employment", "workers", approx), ("employment_share", "share of employment", lambda v: pct(v, 1))]
    return (table(tables["history_dissolving.csv"], cols, caption="Task content moving toward generic screen work"),
            table(tables["history_moved.csv"], share_cols,
                  caption="Share of employment in occupations whose task content moved"))


def section_values(tables: dict[str, pl.DataFrame], h: History, employment_label: str) -> dict:
    """What the template ``sections/dissolving.html`` shows (figure, tables, the numbers of
    its text)."""
    from markupsafe import Markup

    from exposure.report import figures as figs

    top = tables["history_dissolving.csv"]
    meta = h.meta.get("history", {})
    top_html, shares_html = _tables_html(tables)
    return {
        "missing": None, "last": LAST, "construct": SCREEN, "stand_in": SCREEN != "e_skill_content",
        "isco": "onet_occupations" in top.columns,
        "moved_by": MOVED_BY, "n": top.height, "employment_label": employment_label,
        "statements": meta.get("task_statements"), "texts": meta.get("distinct_texts"),
        "svg": Markup(figs.to_svg(figure(top), "fig-dissolving-history", TITLE)),
        "top_table": Markup(top_html), "shares_table": Markup(shares_html),
    }


def section_html(tables: dict[str, pl.DataFrame], h: History, employment_label: str) -> str:
    """The section as an HTML fragment (its template rendered)."""
    from exposure.report.html import render

    return str(render("sections/dissolving.html", **section_values(tables, h, employment_label)))


def section_data(ctx) -> dict:
    """The section's values for :mod:`exposure.report.sections` (template
    ``sections/dissolving.html``): its tables go to ``ctx.add_table``, the shares it quotes to
    ``ctx.fact``. For the O*NET report the report's own employment weights the shares; for
    ISCO-08, OEWS (the history follows O*NET occupations)."""
    from exposure.history.trajectories import history

    try:
        h = history()
    except ExposureError as exc:
        return {"missing": f"The O*NET release history is not available: {exc}"}
    if ctx.taxonomy == "onet":
        tables = section_tables(h, ctx.df.select("occupation_code", "employment",
                                                 *(["unit"] if "unit" in ctx.df.columns else [])))
        label = ctx.weights.label
    else:
        tables = isco_section_tables(h, ctx.df.select("occupation_code", "title", "employment"))
        label = (f"{ctx.weights.label}; each ISCO-08 unit group follows the O*NET occupations the crosswalk maps "
                 "to it, weighted by their US employment")
    for name, frame in tables.items():
        ctx.add_table(name, frame)
    shares = tables["history_moved.csv"]
    ctx.fact("history", {"screen_construct": SCREEN, "moved_by": MOVED_BY,
                         "employment_shares": dict(shares.select("group", "employment_share").iter_rows()),
                         "top": tables["history_dissolving.csv"]["title"].head(3).to_list()})
    return section_values(tables, h, label)


__all__ = ["ID", "TITLE", "section_data", "section_html", "section_tables", "section_values"]
