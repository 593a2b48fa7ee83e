"""Place-boundness against a published measure: Dingel & Neiman (2020) teleworkability."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import figures as figs
from exposure.report.context import Context
from exposure.report.html import score, table, text
from exposure.scoring.evaluate import telework_agreement, telework_points, telework_roc


def us_teleworkable_share(telework: pl.DataFrame, oews: pl.DataFrame) -> dict[str, float]:
    """Dingel & Neiman's teleworkable share of US employment recomputed on OEWS May 2024
    detailed occupations (their BLS-code file matched by SOC code)."""
    bls = telework.filter(pl.col("taxonomy") == "oes2018").select(soc_code="occupation_code", tw="teleworkable")
    detailed = oews.filter((pl.col("o_group") == "detailed") & pl.col("employment").is_not_null())
    matched = detailed.join(bls, on="soc_code", how="inner")
    emp = matched["employment"].cast(pl.Float64)
    return {"share": float((emp * matched["tw"]).sum() / emp.sum()),
            "matched_employment_share": float(emp.sum() / detailed["employment"].sum())}


def data(ctx: Context) -> dict:
    i = ctx.inputs
    if i.telework is None:
        return {"missing": i.telework_note}
    points = telework_points(i.occupation_scores, i.telework, i.crosswalk)
    agreement = telework_agreement(points)
    roc = telework_roc(points)
    ctx.add_table("telework_points.csv", points)
    ctx.add_table("telework_agreement.csv", agreement)
    ctx.add_table("telework_roc.csv", roc)
    auc = dict(agreement.select("construct", "auc_not_teleworkable").iter_rows())
    ctx.fact("telework_auc", auc)
    us = us_teleworkable_share(i.telework, i.employment_us)
    ctx.fact("telework_us_share", us)
    svg = figs.to_svg(figs.telework(points, roc), "fig-telework", "Place-boundness and teleworkability")
    row = agreement.row(0, named=True)
    person = points.filter((pl.col("teleworkable") == 1.0) & (pl.col("person_bound") > 0.5))
    examples = person.sort(["person_bound", "occupation_code"], descending=[True, False])["title"].head(3).to_list()
    ctx.fact("telework_person_bound", {"n": person.height, "examples": examples})
    return {
        "person_n": person.height, "person_examples": examples,
        "missing": None, "auc": auc, "n": row["occupations"], "n_not": row["not_teleworkable"],
        "n_linked": points.height, "us": us,
        "svg": Markup(svg),
        "table": Markup(table(agreement, [
            ("construct", "construct", text), ("occupations", "occupations", lambda v: f"{v:,}"),
            ("not_teleworkable", "cannot be done at home", lambda v: f"{v:,}"),
            ("auc_not_teleworkable", "AUC", score)], label="agreement with teleworkability")),
    }
