"""How the figures are made, the model and codebook, validation, releases and files.

Every number this text quotes is read from the code's outputs (the score metadata, the
task table, the band definitions), not written into the template."""

from __future__ import annotations

import polars as pl
from markupsafe import Markup

from exposure.report import tables as tb
from exposure.report.context import Context
from exposure.report.html import num, score, table, text
from exposure.report.sections.identity import GRAPH_TAXONOMY
from exposure.scoring.evaluate import sanity_checks


def data(ctx: Context) -> dict:
    i, meta = ctx.inputs, ctx.inputs.meta
    model = meta.get("model", {})
    params = meta.get("text_model", {})
    checks = sanity_checks(i.occupation_scores)
    rel = pl.DataFrame(i.releases)
    ctx.add_table("releases.csv", rel)
    ctx.add_table("validation_text_model.csv", i.cv_metrics)
    ctx.add_table("validation_isco_agreement.csv", i.agreement)
    ctx.add_table("validation_sanity_checks.csv", checks)
    coverage = ctx.fact("interval_coverage", params.get("coverage"))
    q_occ = ctx.fact("q_occupation", params.get("conformal_scale_occupation", {}))
    weights = ctx.fact("task_weights", i.task_weights)
    which = GRAPH_TAXONOMY[ctx.taxonomy]
    graph_key = getattr(i.graph, "graph", {}).get("cache_key", "") if i.graph is not None else ""
    return {
        "employment": ctx.options.employment, "label": ctx.weights.label, "threshold": ctx.threshold,
        "coverage": coverage, "q_offshorability": q_occ.get("offshorability"), "task_weights": weights,
        "range": tb.RANGE, "graph": i.graph is not None, "graph_note": i.graph_note, "graph_taxonomy": which,
        "graph_key": graph_key, "passed": int(checks["passed"].sum()), "n_checks": checks.height,
        "model_table": Markup(table(pl.DataFrame({
            "item": ["embedding model", "model content key", "codebook SHA-256", "text model", "cross-validation"],
            "value": [model.get("model_id", ""), model.get("key", ""), meta.get("codebook_sha256", ""),
                      ", ".join(f"{k}={v}" for k, v in sorted(params.items())
                                if k not in ("conformal_scale", "conformal_scale_occupation")),
                      f"{meta.get('cv', {}).get('folds', '')} folds grouped by "
                      f"{meta.get('cv', {}).get('grouped_by', '')}"]}),
            [("item", "item", text), ("value", "value", text)], label="model and codebook")),
        "cv_table": Markup(table(i.cv_metrics, [
            ("construct", "construct", text), ("n_tasks", "tasks", num), ("pearson_r", "Pearson r", score),
            ("r2", "R\u00b2", score), ("mae", "MAE", score), ("interval_coverage", "90% interval coverage", score),
            ("mean_interval_width", "mean width", score)],
            caption="Text model against the codebook labels, out of fold, grouped by occupation")),
        "agreement_table": Markup(table(i.agreement, [
            ("construct", "construct", text), ("unit_groups", "unit groups", num),
            ("pearson_r", "Pearson r", score), ("spearman_rho", "Spearman rho", score),
            ("mean_abs_diff", "mean abs. difference", score)],
            caption="ISCO-08 native scores against the O*NET crosswalk")),
        "checks_table": Markup(table(checks.sort("taxonomy", "occupation_code", "construct"), [
            ("taxonomy", "taxonomy", text), ("title", "occupation", text), ("construct", "construct", text),
            ("expect", "expected", text), ("percentile", "percentile", score),
            ("passed", "passed", lambda v: "yes" if v else "<strong>no</strong>")], caption="Sanity checks")),
        "releases_table": Markup(table(rel, [
            ("title", "release", text), ("version", "version", text), ("published", "published", text),
            ("licence", "licence", text), ("attribution", "attribution", text)], label="data releases")),
    }
