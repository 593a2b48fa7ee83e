"""Key findings and the main limitations, at the top of the page. The bullets are written
in the template from the facts the other sections recorded (this section runs last), so
every number they quote is one the code computed."""

from __future__ import annotations

from exposure.report.context import Context


def data(ctx: Context) -> dict:
    f = ctx.facts
    return {
        "us": ctx.weights.country == "USA", "country": ctx.weights.country_name, "threshold": ctx.threshold,
        "range": f["range"],  # the headline section always runs
        "share": f["share_offshorable"]["value"], "high_bands": f.get("share_high_bands"),
        "not_exposed": f.get("share_not_exposed"), "top": f.get("top", []), "groups": f.get("groups"),
        "wage": f.get("wage"), "trend": f.get("trend"), "auc": f.get("telework_auc", {}).get("place_boundness"),
        "ilostat": ctx.options.employment == "ilostat",
    }
