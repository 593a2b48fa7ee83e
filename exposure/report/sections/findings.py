"""Key findings and the main limitations, at the top of the page, generated from the
facts the other sections recorded (this section runs last). Bullets are trusted HTML: text from data is escaped here."""

from __future__ import annotations

from exposure.report.context import Context
from exposure.report.html import approx, esc, pct


def data(ctx: Context) -> dict:
    f, t = ctx.facts, ctx.threshold
    where = "US" if ctx.weights.country == "USA" else f"{esc(ctx.weights.country_name)}&rsquo;s"
    r = f["range"]
    bullets = [
        f"Between {pct(r['share_at_high_threshold'])} and {pct(r['share_at_low_threshold'])} of {where} employment "
        f"is in highly offshorable work, for thresholds from {r['to_threshold']:g} down to {r['from_threshold']:g} "
        f"({pct(f['share_offshorable']['value'])} at {t:g}); {pct(r['share_between'])} of employment scores in between, "
        "which is what makes the range wide.",
        f"{pct(f['share_high_bands'])} of employment is in the high exposure bands (mean task offshorability above "
        f"0.6) and {pct(f['share_not_exposed'])} is not exposed (0.4 or less).",
    ]
    top = f.get("top", [])
    if top:
        names = "; ".join(f"{esc(x['title'])} ({approx(x['exposed'])})" for x in top)
        bullets.append(f"The most workers in highly offshorable work are in: {names}.")
    g = f["groups"]
    bullets.append(f"By major group, offshorability is highest in {esc(g['highest'])} ({g['highest_value']:.2f}) and lowest "
                   f"in {esc(g['lowest'])} ({g['lowest_value']:.2f}).")
    if "wage" in f:
        w = f["wage"]
        bullets.append(f"Offshorability is {w['lowest_decile']:.2f} on average in the lowest-paid tenth of employment "
                       f"and {w['highest_decile']:.2f} in the highest-paid tenth.")
    if "trend" in f:
        tr = f["trend"]
        bullets.append(f"From {tr['first_year']} to {tr['last_year']} the share in highly offshorable work went from "
                       f"{pct(tr['first'])} to {pct(tr['last'])}, through changes in the mix of occupation groups only.")
    if "telework_auc" in f:
        bullets.append(f"Place-boundness agrees with a published measure: it ranks the O*NET occupations that cannot be "
                       f"done at home (Dingel &amp; Neiman 2020) with an AUC of {f['telework_auc']['place_boundness']:.2f}.")
    limits = [
        "Scores come from a codebook written by the project's engineers (with an LLM assistant) and a text model "
        "trained on it; neither is checked against independent raters or observed offshoring.",
        "Intervals bound where the codebook label would lie (90% conformal), not an external truth; the threshold "
        "matters more than the intervals.",
    ]
    if ctx.options.employment == "ilostat":
        limits.append("ILOSTAT gives employment by sub-major group only: unit groups are estimated with the US mix, "
                      "so differences between countries come from the mix of about 40 groups. No wages, no breakdown "
                      "by sex.")
    else:
        limits.append("O*NET occupations that share a SOC code share its employment equally (an assumption): "
                      "employment is shown per SOC code.")
    limits.append("Exposure is technical potential, not a forecast: trade barriers, regulation, language and "
                  "costs decide what actually moves.")
    ctx.fact("findings", bullets)
    return {"bullets": bullets, "limits": limits}
