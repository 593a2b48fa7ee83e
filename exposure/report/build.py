"""The policy analyst report: one self-contained HTML page plus the table behind every
figure as CSV, each with a manifest.

Flow: :func:`check_options` (input errors before any work) -> :func:`load_inputs` (scores,
tables, the skill graph) -> :func:`render` (tables, figures and the page, in memory) ->
:func:`write_report` (everything into a temporary folder beside the target, then moved
into place, the HTML last), so a failure leaves no half-written report.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from exposure.errors import ExposureError, InputError
from exposure.graph.identity import identity_by_unit_group
from exposure.io import UMASK, write_bytes
from exposure.manifest import write_manifest, write_with_manifest
from exposure.report import figures as figs
from exposure.report import graphview
from exposure.report import tables as tb
from exposure.report.html import (
    esc,
    figure,
    interval,
    note,
    num,
    page,
    pct,
    score,
    table,
    text,
)
from exposure.report.weights import Weights, check_country_year, weights

TAXONOMIES = {"onet": "O*NET 29.2 occupations", "isco08": "ISCO-08 unit groups"}
SOURCES = {"oews": "BLS OEWS May 2024 (United States)", "ilostat": "ILOSTAT, one country and year"}
# large economies with ILOSTAT ISCO-08 employment for 2018: five EU members, the UK,
# the US, and the Philippines (a destination of offshored services)
DEFAULT_COUNTRIES = ("DEU", "ESP", "FRA", "GBR", "ITA", "POL", "USA", "PHL")
HTML_NAME = "report.html"
# SOC 2018 major group 55 (military) has no OEWS row to take its title from
_SOC_MILITARY = {"55": "Military Specific Occupations"}
N_IDENTITY = 15


@dataclass(frozen=True)
class Options:
    taxonomy: str = "onet"
    employment: str = "oews"
    country: str | None = None
    year: int | None = None
    threshold: float = 0.5
    countries: tuple[str, ...] = DEFAULT_COUNTRIES

    def as_dict(self) -> dict[str, Any]:
        return {"taxonomy": self.taxonomy, "employment": self.employment, "country": self.country,
                "year": self.year, "threshold": self.threshold, "countries": list(self.countries)}


def check_options(taxonomy: str = "onet", employment: str = "oews", country: str | None = None,
                  year: int | None = None, threshold: float = 0.5,
                  countries: tuple[str, ...] | list[str] = DEFAULT_COUNTRIES) -> Options:
    """Validate the options that need no data; InputError with a one-line message."""
    if taxonomy not in TAXONOMIES:
        raise InputError(f"unknown taxonomy {taxonomy!r} for the report; use one of {', '.join(TAXONOMIES)}")
    if employment not in SOURCES:
        raise InputError(f"unknown employment source {employment!r}; use one of {', '.join(SOURCES)}")
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InputError(f"threshold must be a number between 0 and 1 (exclusive); got {threshold!r}") from None
    if isinstance(threshold, bool) or math.isnan(t) or not 0 < t < 1:
        raise InputError(f"threshold must be between 0 and 1 (exclusive); got {threshold!r}")
    if country is not None and not isinstance(country, str):
        raise InputError(f"country must be an ISO 3166 alpha-3 code such as DEU; got {country!r}")
    if employment == "oews" and (country is not None or year is not None):
        raise InputError("country and year choose ILOSTAT employment; use employment 'ilostat' with them")
    if employment == "ilostat" and not country:
        raise InputError("employment source ilostat needs a country (ISO 3166 alpha-3 code, e.g. DEU)")
    if year is not None and (isinstance(year, bool) or not isinstance(year, numbers.Integral)):
        raise InputError(f"year must be a whole number such as 2018; got {year!r}")
    year = None if year is None else int(year)
    if isinstance(countries, str):
        countries = (countries,)
    if any(not isinstance(c, str) for c in countries):
        raise InputError("countries must be ISO 3166 alpha-3 codes such as DEU")
    cleaned = tuple(dict.fromkeys(str(c).strip().upper() for c in countries))
    return Options(taxonomy, employment, country.strip().upper() if country else None, year, t, cleaned)


@dataclass
class Inputs:
    """Everything the report reads; tests may alter a frame before :func:`render`."""

    occupation_scores: pl.DataFrame
    occupations: pl.DataFrame
    employment_us: pl.DataFrame
    crosswalk: pl.DataFrame
    ilostat: pl.DataFrame
    isco08_groups: pl.DataFrame
    cv_metrics: pl.DataFrame
    agreement: pl.DataFrame
    meta: dict[str, Any]
    releases: list[dict[str, str]]
    identity: pl.DataFrame | None = None
    skills: pl.DataFrame | None = None
    graph: Any = None
    graph_note: str = ""


def load_inputs(options: Options) -> Inputs:
    """Cached scores and canonical tables, the skill graph where :mod:`exposure.graph` is
    available."""
    from exposure.scoring.pipeline import scores
    from taxonomies import load
    from taxonomies.releases import releases

    s = scores()
    rel = [
        {"release": r.name, "title": r.title, "version": r.version, "published": r.published,
         "publisher": r.publisher, "licence": r.licence, "attribution": r.attribution}
        for r in releases().values()
    ]
    inputs = Inputs(
        occupation_scores=s.occupations, occupations=load("occupations"), employment_us=load("employment_us"),
        crosswalk=load("crosswalk"), ilostat=load("employment_ilostat"), isco08_groups=load("isco08_groups"),
        cv_metrics=s.cv_metrics, agreement=s.agreement, meta=s.meta, releases=rel,
    )
    _load_graph(inputs, options.taxonomy)
    return inputs


# the skill graph each report taxonomy draws on: ISCO-08 unit groups have no skill
# relations of their own, ESCO occupations (each classified in one unit group) do
GRAPH_TAXONOMY = {"onet": "onet", "isco08": "esco"}


def _load_graph(inputs: Inputs, taxonomy: str) -> None:
    from exposure import graph as g

    which = GRAPH_TAXONOMY[taxonomy]
    try:
        inputs.identity = g.identity_table(which)
        inputs.skills = g.skill_table(which)
        inputs.graph = g.build_graph(which)
    except ExposureError as exc:
        inputs.identity = inputs.skills = inputs.graph = None
        inputs.graph_note = f"The skill graph is not available for {which}: {exc}"


@dataclass
class Rendered:
    html: str
    tables: dict[str, pl.DataFrame]  # file name -> table
    facts: dict[str, Any]


# --- the report ----------------------------------------------------------------------------


def _major_titles(inputs: Inputs, taxonomy: str) -> dict[str, str]:
    if taxonomy == "onet":
        majors = inputs.employment_us.filter(pl.col("o_group") == "major")
        out = {code[:2]: title for code, title in majors.select("soc_code", "title").iter_rows()}
        return {**_SOC_MILITARY, **out}
    groups = inputs.isco08_groups.filter(pl.col("level") == 1)
    return dict(groups.select("code", "title").iter_rows())


def _codes(inputs: Inputs) -> dict[str, pl.Series]:
    occ = inputs.occupation_scores
    return {t: occ.filter(pl.col("taxonomy") == t)["occupation_code"].sort() for t in ("onet", "isco08")}


def _weights(inputs: Inputs, options: Options, source: str, country: str | None, year: int | None) -> Weights:
    return weights(options.taxonomy, source, _codes(inputs), inputs.employment_us, inputs.crosswalk,
                   inputs.ilostat, country, year)


def _country_years(inputs: Inputs, options: Options) -> list[tuple[str, int]]:
    """Each comparison country with its year: ``options.year`` when given and available,
    else the latest year every chosen country has, else the country's latest year."""
    from exposure.report.weights import ilostat_years

    available = {c: ilostat_years(inputs.ilostat, c) for c in options.countries}  # checked by resolve_years
    common = set.intersection(*(set(v) for v in available.values())) if available else set()
    out = []
    for c, years in available.items():
        if options.year in years:
            out.append((c, options.year))
        elif common:
            out.append((c, max(common)))
        else:
            out.append((c, years[-1]))
    return out


def _round(df: pl.DataFrame) -> pl.DataFrame:
    """Floats rounded to 4 decimals, NaN (an empty group's mean) as null."""
    rounded = pl.col(pl.Float64).fill_nan(None).round(4)
    return df.with_columns(pl.when(rounded == 0).then(0.0).otherwise(rounded).name.keep())  # no "-0.0"


def render(inputs: Inputs, options: Options) -> Rendered:
    """Every table, figure and the HTML page, in memory."""
    tax, t = options.taxonomy, options.threshold
    w = _weights(inputs, options, options.employment, options.country, options.year)
    majors = _major_titles(inputs, tax)
    df = tb.occupation_frame(inputs.occupation_scores, inputs.occupations, w.frame, tax, majors)
    wages = options.employment == "oews"
    out: dict[str, pl.DataFrame] = {}
    sections: list[tuple[str, str, str]] = []
    source_label = w.label
    scope = f"{TAXONOMIES[tax]}, employment from {source_label}"

    # headline
    head = tb.headline(df, t, wages)
    out["headline.csv"] = head
    sections.append(("headline", "Headline figures", _headline_html(head, df, w, t, wages)))

    # distributions
    dist = tb.distribution(df)
    out["distribution.csv"] = dist
    svg = figs.to_svg(figs.distribution(dist, t), "fig-distribution", "Distribution of each construct")
    sections.append(("distribution", "Distribution of each construct", figure(
        "fig-distribution", svg,
        "Share of employment (bars) and of occupations (line) in each score bin of width 0.05; "
        f"dashed line: the threshold {t:g}. Each occupation's score is the weighted mean of its task scores.",
        ["distribution.csv"],
    )))

    # major groups
    mg = tb.by_major_group(df, t)
    out["major_groups.csv"] = mg
    svg = figs.to_svg(figs.major_groups(mg), "fig-major-groups", "Exposure by major group")
    group_word = "SOC 2018 major group" if tax == "onet" else "ISCO-08 major group"
    mg_html = figure(
        "fig-major-groups", svg,
        f"Employment-weighted mean score by {group_word}; whiskers: the same mean over the occupations' "
        "lower and upper bounds.", ["major_groups.csv"],
    ) + table(mg, [
        ("major_code", "code", text), ("major_title", "major group", text),
        ("employment_share", "employment", pct),
        ("share_high_offshorability", f"highly offshorable (> {t:g})", pct),
        ("offshorability", "offshorability", score), ("routinizability", "routinizability", score),
        ("place_boundness", "place-boundness", score),
    ])
    sections.append(("major-groups", "Exposure by major group", mg_html))

    # wage
    deciles = tb.wage_deciles(df)
    out["wage_deciles.csv"] = deciles
    out["occupations.csv"] = df
    svg = figs.to_svg(figs.wage(df, deciles), "fig-wage", "Offshorability against wage")
    wage_note = "" if wages else (
        " Wages are US (OEWS) wages of the same occupations: ILOSTAT has none; circle sizes and deciles use "
        f"{esc(source_label)} employment."
    )
    sections.append(("wage", "Exposure and wage", figure(
        "fig-wage", svg,
        "Each circle is an occupation (area proportional to employment) at its OEWS May 2024 annual mean wage "
        "(hourly mean x 2,080 where only an hourly wage is published). The line is the employment-weighted mean "
        "offshorability in each employment decile of the wage distribution, whiskers from the bounds." + wage_note,
        ["wage_deciles.csv", "occupations.csv"],
    ) + table(deciles, [
        ("decile", "wage decile", text), ("wage_min", "lowest wage", num), ("wage_max", "highest wage", num),
        ("offshorability", "offshorability", score), ("routinizability", "routinizability", score),
        ("place_boundness", "place-boundness", score),
    ])))

    # quadrant
    q = tb.quadrant(df, tax, t)
    out["quadrant.csv"] = q
    missing = df.filter(pl.col("skill_level").is_null())
    svg = figs.to_svg(figs.quadrant(df, q, tax, t), "fig-quadrant", "Skill level against offshorability")
    high = tb.HIGH_SKILL[tax]
    q_html = figure(
        "fig-quadrant", svg,
        f"{esc(tb.SKILL_NAME[tax])} (jittered) against offshorability; circle area proportional to employment. "
        f"High skill: level {high} and above; highly offshorable: above {t:g}.", ["quadrant.csv", "occupations.csv"],
    ) + table(q, [
        ("corner", "corner", text), ("occupations", "occupations", num),
        ("employment_share", "share of employment", pct), ("largest_occupations", "largest occupations", text),
    ])
    if missing.height:
        q_html += note(f"{missing.height} occupations without a skill level (mostly residual &ldquo;All Other&rdquo; "
                       f"codes, {pct(missing['employment'].sum() / max(df['employment'].sum(), 1), 1)} of employment) "
                       "are left out of this figure.")
    sections.append(("quadrant", "Skill level and offshorability", q_html))

    # identity and the skill graph
    sections.extend(_graph_sections(inputs, df, tax, out))

    # change over time: O*NET 13.0 to 29.2 (exposure.history)
    from exposure.history.section import report_section

    sections.append(report_section(tax, df, out, source_label))

    # countries
    sections.append(("countries", "Country comparison", _countries_html(inputs, options, out)))

    # appendix
    sections.append(("methods", "Methods and data", _appendix_html(inputs, options, w, df, out)))

    occupations = df.height
    lede = (
        f"{esc(scope)}. Threshold for &ldquo;highly&rdquo; exposed: score above {t:g}. "
        f"{occupations:,} occupations; {num(df['employment'].sum())} workers."
    )
    footer = (
        f"Made by exposure from the releases listed under <a href=\"#methods\">Methods and data</a>. "
        f"Codebook SHA-256 <code>{esc(inputs.meta.get('codebook_sha256', ''))}</code>; "
        f"model {esc(inputs.meta.get('model', {}).get('model_id', ''))}."
    )
    title = f"Offshoring exposure report: {TAXONOMIES[tax]}, {source_label}"
    html = page(title, lede, sections, footer)
    tables = {name: _round(frame) for name, frame in sorted(out.items())}
    facts = {"employment_source": source_label, "country": w.country, "year": w.year, "survey": w.survey}
    return Rendered(html, tables, facts)


def _headline_html(head: pl.DataFrame, df: pl.DataFrame, w: Weights, t: float, wages: bool) -> str:
    cards = []
    for c, phrase in tb.HEADLINE:
        r = head.filter((pl.col("measure") == "employment share") & (pl.col("construct") == c)).row(0, named=True)
        extra = ""
        if wages:
            b = head.filter((pl.col("measure") == "wage-bill share") & (pl.col("construct") == c)).row(0, named=True)
            extra = f"<div class=\"what\">{interval(b['value'], b['lo'], b['hi'])} of the wage bill</div>"
        cards.append(
            f'<div class="card"><div class="big">{pct(r["value"])}</div>'
            f'<div class="what">of employment is in {esc(phrase)} work '
            f'<span class="iv">(interval {pct(r["lo"])}&ndash;{pct(r["hi"])})</span></div>{extra}</div>'
        )
    svg = figs.to_svg(figs.headline(head), "fig-headline", "Headline shares")
    body = (
        f'<div class="cards">{"".join(cards)}</div>\n'
        + figure("fig-headline", svg,
                 f"Share of employment{' and of the wage bill (employment x annual mean wage)' if wages else ''} "
                 f"in occupations scoring above {t:g}. The interval counts the occupations whose lower bound, "
                 "and those whose upper bound, is above the threshold (90% conformal intervals of the occupation "
                 "scores, calibrated on O*NET occupations).", ["headline.csv"])
        + table(head, [
            ("measure", "measure", text), ("phrase", "work", text), ("value", "value", score),
            ("lo", "lower", score), ("hi", "upper", score),
        ])
    )
    if not wages:
        body += note("ILOSTAT gives employment only, so no wage-bill shares are shown for "
                     f"{esc(w.country_name)}.")
    if w.unclassified_share:
        body += note(f"{pct(w.unclassified_share, 1)} of {esc(w.country_name)}'s employment is not classified "
                     "by occupation in ILOSTAT and is left out.")
    return body


def _graph_sections(inputs: Inputs, df: pl.DataFrame, taxonomy: str,
                    out: dict[str, pl.DataFrame]) -> list[tuple[str, str, str]]:
    if inputs.identity is None or inputs.graph is None or inputs.skills is None:
        msg = note(esc(inputs.graph_note or "The skill graph is not available."))
        return [("identity", "Occupational identity and generic e-skills", msg),
                ("skill-graph", "The skill graph around generic e-skills", msg)]
    via_esco = taxonomy == "isco08"
    measures = identity_by_unit_group(inputs.identity) if via_esco else inputs.identity
    ident = tb.identity(measures, df, N_IDENTITY)
    out["identity.csv"] = ident
    svg = figs.to_svg(figs.identity(ident), "fig-identity", "Identity dissolution")
    cols = [("rank", "#", text), ("title", "occupation", text),
            ("identity_dissolution", "identity dissolution", score)]
    cols += [(c, c.replace("_", " "), score) for c in ("e_skill_share", "generic_share", "specificity")
             if c in ident.columns]
    cols += [("offshorability", "offshorability", score), ("employment", "employment", num)]
    where = (" ISCO-08 unit groups take the mean over their ESCO occupations, whose skill relations the "
             "graph is built from." if via_esco else "")
    ident_html = figure(
        "fig-identity", svg,
        "identity_dissolution from the skill graph: the mean of (1 &minus; specificity), the share of the skill "
        "profile on generic skills, the share on e-skills, and how many occupations in other ISCO-08 sub-major "
        "groups share a similar profile (saturating); 0 for a profile of skills rare outside the occupation's "
        "own group, near 1 for generic e-skills shared across groups. "
        f"Left: the {N_IDENTITY} highest; right: the {N_IDENTITY} lowest.{where}", ["identity.csv"],
    ) + table(ident.filter(pl.col("group") == "dissolving"), cols, caption="Identity dissolves most") + table(
        ident.filter(pl.col("group") == "protected"), cols, caption="Identity most protected")

    titles = dict(inputs.identity.select("occupation_code", "title").iter_rows())
    titles.update(dict(df.select("occupation_code", "title").iter_rows()) if not via_esco else {})
    nodes, edges = graphview.subgraph(inputs.graph, inputs.skills, inputs.identity, titles)
    out["skill_graph_nodes.csv"] = nodes
    out["skill_graph_edges.csv"] = edges
    svg = figs.to_svg(figs.skill_graph(nodes, edges), "fig-skill-graph", "Skill graph around generic e-skills")
    e = (inputs.skills.filter(pl.col("is_e_skill").fill_null(False))
         .sort(["genericity", "skill_id"], descending=[True, False], nulls_last=True).head(15))
    keep = [c for c in ("skill_id", "label", "genericity", "n_occupations", "n_isco_major_groups", "betweenness")
            if c in e.columns]
    e = e.select(keep)
    out["e_skills.csv"] = e
    cols = [(c, c.replace("_", " "), text if c in ("skill_id", "label") else (num if c.startswith("n_") else score))
            for c in keep if c != "skill_id"]
    graph_html = figure(
        "fig-skill-graph", svg,
        f"The {nodes.filter(pl.col('kind') == 'e-skill').height} most generic e-skills (squares), the "
        "occupations linked to each whose identity dissolves most (circles) and each occupation's most "
        "distinctive skill (diamonds), on three rings in matching order."
        + (" Drawn from the ESCO graph (ESCO occupations and skills)." if via_esco else ""),
        ["skill_graph_nodes.csv", "skill_graph_edges.csv"],
    ) + table(e, cols, caption="The most generic e-skills")
    return [("identity", "Occupational identity and generic e-skills", ident_html),
            ("skill-graph", "The skill graph around generic e-skills", graph_html)]


def _countries_html(inputs: Inputs, options: Options, out: dict[str, pl.DataFrame]) -> str:
    if not options.countries:
        return note("No comparison countries were chosen.")
    rows = []
    majors = _major_titles(inputs, options.taxonomy)
    for c, y in _country_years(inputs, options):
        w = _weights(inputs, options, "ilostat", c, y)
        df = tb.occupation_frame(inputs.occupation_scores, inputs.occupations, w.frame, options.taxonomy, majors)
        rows.append({"country": c, "country_name": w.country_name, "year": w.year, "survey": w.survey,
                     "unclassified_share": w.unclassified_share, **tb.country_row(df, options.threshold)})
    table_ = pl.DataFrame(rows).sort("country")
    cols = ["country", "country_name", "year", "survey", "employment", "unclassified_share",
            *[f"{c}{s}" for c, _ in tb.HEADLINE for s in ("", "_lo", "_hi")],
            "mean_offshorability", "mean_offshorability_lo", "mean_offshorability_hi"]
    table_ = table_.select(cols)
    out["countries.csv"] = table_
    svg = figs.to_svg(figs.countries(table_), "fig-countries", "Country comparison")
    show = table_.with_columns(
        off=pl.struct("offshorability", "offshorability_lo", "offshorability_hi"),
        rou=pl.struct("routinizability", "routinizability_lo", "routinizability_hi"),
        pla=pl.struct("place_boundness", "place_boundness_lo", "place_boundness_hi"),
    )

    def iv(name):
        return lambda s: interval(s[name], s[f"{name}_lo"], s[f"{name}_hi"])

    return figure(
        "fig-countries", svg,
        "Share of employment above the threshold, from ILOSTAT employment by ISCO-08 sub-major group "
        "spread to unit groups (see Methods); the same occupation scores for every country, so differences "
        "come from the occupational structure only. Whiskers: lower and upper bounds.", ["countries.csv"],
    ) + table(show, [
        ("country_name", "country", text), ("year", "year", text), ("survey", "survey", text),
        ("employment", "employment", num),
        ("off", "highly offshorable", iv("offshorability")), ("rou", "highly routine", iv("routinizability")),
        ("pla", "place-bound", iv("place_boundness")),
    ])


def _graph_method(inputs: Inputs, taxonomy: str) -> str:
    if inputs.graph is None:
        return f"<li><strong>Skill graph.</strong> Not available: {esc(inputs.graph_note)}</li>"
    which = GRAPH_TAXONOMY[taxonomy]
    key = getattr(inputs.graph, "graph", {}).get("cache_key", "")
    source = ("ESCO 1.2.0 occupation&ndash;skill relations (essential 1, optional 0.5)" if which == "esco" else
              "O*NET technology and tool commodities, Skills and Knowledge ratings and detailed work activities")
    return (
        f"<li><strong>Skill graph.</strong> The bipartite occupation&ndash;skill graph of {esc(which)} "
        f"({source}; cache key <code>{esc(key)}</code>). A skill is generic when it is both widely held and "
        "spread across ISCO-08 major groups; an e-skill when it is generic and digital (in ESCO's digital "
        "collections or an O*NET Technology Skills commodity, or close to one in meaning)."
        + (" ISCO-08 unit groups take the mean identity measures of their ESCO occupations." if which == "esco"
           else "")
        + "</li>"
    )


def _appendix_html(inputs: Inputs, options: Options, w: Weights, df: pl.DataFrame,
                   out: dict[str, pl.DataFrame]) -> str:
    from exposure.scoring.evaluate import sanity_checks

    meta = inputs.meta
    model = meta.get("model", {})
    checks = sanity_checks(inputs.occupation_scores)
    rel = pl.DataFrame(inputs.releases)
    out["releases.csv"] = rel
    out["validation_text_model.csv"] = inputs.cv_metrics
    out["validation_isco_agreement.csv"] = inputs.agreement
    out["validation_sanity_checks.csv"] = checks
    passed = int(checks["passed"].sum())
    params = meta.get("text_model", {})
    mapping = (
        "<li><strong>Employment.</strong> "
        + ("BLS OEWS May 2024 national estimates by SOC 2018. An O*NET occupation takes its SOC code's "
           "employment (detailed code, else what its broad group has beyond the detailed codes other O*NET "
           "occupations take), split equally among the O*NET occupations sharing the code; an ISCO-08 unit "
           "group takes the employment its O*NET occupations bring through the crosswalk chain O*NET &rarr; "
           "SOC 2018 &rarr; SOC 2010 &rarr; ISCO-08 (employment &times; crosswalk weight)."
           if options.employment == "oews" else
           f"{esc(w.label)}. ILOSTAT counts employment by ISCO-08 sub-major group (2-digit); each group's "
           "employment is distributed to its unit groups in proportion to the US employment the crosswalk gives "
           "them (OEWS May 2024 through O*NET &rarr; SOC 2018 &rarr; SOC 2010 &rarr; ISCO-08), equally where a "
           "group has none. For O*NET, each unit group's employment is split among the O*NET occupations linked "
           "to it by US employment &times; crosswalk weight. This assumes the US mix of unit groups within each "
           "sub-major group. Employment not classified by occupation is left out.")
        + "</li>"
    )
    body = (
        "<h3>How the figures are made</h3><ul>"
        "<li><strong>Scores.</strong> Every task is scored for routinizability, person-, site- and "
        "material-boundness and offshorability (place-boundness is the maximum of the three ties) by a "
        "codebook of O*NET work activities and a text model trained on it; an occupation's score is the "
        "weighted mean of its tasks (Core 2, Supplemental 1) and its interval the weighted mean of the task "
        "bounds (90% split-conformal intervals). See docs/model_card.md.</li>"
        + mapping
        + f"<li><strong>Threshold.</strong> &ldquo;Highly&rdquo; offshorable or routine and &ldquo;place-bound&rdquo; "
        f"mean a score above {options.threshold:g}. Shares use point scores; their intervals use the lower "
        "and the upper bounds in place of the point scores.</li>"
        "<li><strong>Wages.</strong> OEWS annual mean wage (hourly mean &times; 2,080 where only hourly wages "
        "are published); the wage bill is employment &times; annual mean wage. Wages above the OEWS top code "
        "are reported by BLS as means only.</li>"
        + _graph_method(inputs, options.taxonomy)
        + "<li><strong>Country comparison.</strong> The same scores for every country, weighted by each "
        "country's ILOSTAT employment as above; the latest year that all chosen countries have, unless a year "
        "was asked for.</li></ul>"
        "<h3>Model and codebook</h3>"
        + table(pl.DataFrame({"item": ["embedding model", "model content key", "codebook SHA-256",
                                       "text model", "cross-validation"],
                              "value": [model.get("model_id", ""), model.get("key", ""),
                                        meta.get("codebook_sha256", ""),
                                        ", ".join(f"{k}={v}" for k, v in sorted(params.items())
                                                  if k != "conformal_scale"),
                                        f"{meta.get('cv', {}).get('folds', '')} folds grouped by "
                                        f"{meta.get('cv', {}).get('grouped_by', '')}"]}),
                [("item", "item", text), ("value", "value", text)])
        + "<h3>Validation</h3>"
        + table(inputs.cv_metrics, [
            ("construct", "construct", text), ("n_tasks", "tasks", num), ("pearson_r", "Pearson r", score),
            ("r2", "R\u00b2", score), ("mae", "MAE", score), ("interval_coverage", "90% interval coverage", score),
            ("mean_interval_width", "mean width", score)],
            caption="Text model against the codebook labels, out of fold, grouped by occupation")
        + table(inputs.agreement, [
            ("construct", "construct", text), ("unit_groups", "unit groups", num),
            ("pearson_r", "Pearson r", score), ("spearman_rho", "Spearman rho", score),
            ("mean_abs_diff", "mean abs. difference", score)],
            caption="ISCO-08 native scores against the O*NET crosswalk")
        + f"<p>Named sanity checks: {passed} of {checks.height} pass.</p>"
        + table(checks.sort("taxonomy", "occupation_code", "construct"), [
            ("taxonomy", "taxonomy", text), ("title", "occupation", text), ("construct", "construct", text),
            ("expect", "expected", text), ("percentile", "percentile", score),
            ("passed", "passed", lambda v: "yes" if v else "<strong>no</strong>")],
            caption="Sanity checks")
        + "<h3>Data releases, licences and attribution</h3>"
        + table(rel, [("title", "release", text), ("version", "version", text), ("published", "published", text),
                      ("licence", "licence", text), ("attribution", "attribution", text)])
        + "<h3>Files</h3><p>Every figure's table is a CSV beside this page, each with a "
        "<code>.manifest.json</code> naming the releases (with file checksums), the model, the codebook hash, "
        "package versions and the report's options.</p>"
        + note("Limits: the codebook was written by the project's engineers with an LLM assistant and has not "
               "been checked against independent raters; intervals bound where the codebook label would lie, "
               "not an external truth; O*NET 29.2 here lacks Work Context and task importance ratings.")
    )
    return body


# --- writing -------------------------------------------------------------------------------


def write_report(folder: Path, rendered: Rendered, releases: list[str], manifest: dict[str, Any]) -> Path:
    """Write the CSVs (with manifests) and the page into a temporary folder beside
    ``folder``, then move them into ``folder``, the HTML last. On failure nothing of the
    new report is left behind."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"cannot write the report to {folder}: it is not a folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".part", dir=folder.parent))
    except OSError as exc:
        raise InputError(f"cannot write the report to {folder}: {exc.strerror or exc}") from None
    try:
        names = []
        for name, frame in rendered.tables.items():
            write_with_manifest(frame, staging / name, releases=releases, **manifest)
            names += [name, f"{name}.manifest.json"]
        write_bytes(staging / HTML_NAME, rendered.html.encode("utf-8"))
        write_manifest(staging / HTML_NAME, releases=releases, **manifest,
                       files=sorted(rendered.tables))
        names += [f"{HTML_NAME}.manifest.json", HTML_NAME]
        if not folder.exists():
            os.chmod(staging, 0o777 & ~UMASK)  # mkdtemp makes it private; a report folder is not
            os.rename(staging, folder)
        else:
            old = folder / f"{HTML_NAME}.manifest.json"
            stale = _previous_files(old) - set(names)
            for name in names:
                os.replace(staging / name, folder / name)
            for name in sorted(stale):
                (folder / name).unlink(missing_ok=True)
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder / HTML_NAME


def _previous_files(manifest: Path) -> set[str]:
    """The CSVs (and their manifests) a previous report in the folder wrote."""
    import json

    try:
        files = json.loads(manifest.read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {n for f in files if isinstance(f, str) and "/" not in f for n in (f, f"{f}.manifest.json")}


def build_report(folder: Path, taxonomy: str = "onet", employment: str = "oews", country: str | None = None,
                 year: int | None = None, threshold: float = 0.5,
                 countries: tuple[str, ...] = DEFAULT_COUNTRIES) -> Path:
    """Write the policy analyst report into ``folder`` and return the HTML page's path.

    Parameters
    ----------
    folder : Path
        Output folder; created, or updated in place (files of a previous report replaced).
    taxonomy : {"onet", "isco08"}
        The occupations the report is about.
    employment : {"oews", "ilostat"}
        BLS OEWS May 2024 (United States) or ILOSTAT for ``country`` and ``year``.
    country, year : str, int, optional
        ILOSTAT country (ISO 3166 alpha-3) and year (default: its latest with ISCO-08 data).
    threshold : float
        A score above it counts as "highly" exposed; strictly between 0 and 1.
    countries : tuple of str
        ILOSTAT countries for the comparison section (empty: no comparison).

    Raises
    ------
    InputError
        Unknown taxonomy, source, country or year, or a threshold outside (0, 1).

    Examples
    --------
    >>> from exposure.report import build_report
    >>> build_report(Path("outputs/report"), employment="ilostat", country="DEU")  # doctest: +SKIP
    PosixPath('outputs/report/report.html')
    """
    options = check_options(taxonomy, employment, country, year, threshold, countries)
    if Path(folder).exists() and not Path(folder).is_dir():
        raise InputError(f"cannot write the report to {folder}: it is not a folder")
    return _build(Path(folder), load_inputs(options), options)


def resolve_years(options: Options, ilostat: pl.DataFrame) -> Options:
    """Check the ILOSTAT country and comparison countries against the data and fix the
    year (the country's latest with ISCO-08 data when none is given)."""
    for c in options.countries:
        check_country_year(ilostat, c, None)
    if options.employment == "ilostat":
        return replace(options, year=check_country_year(ilostat, options.country, options.year))
    return options


def _build(folder: Path, inputs: Inputs, options: Options) -> Path:
    """Check the options against the data, render from ``inputs`` and write."""
    options = resolve_years(options, inputs.ilostat)
    from exposure.scoring.pipeline import RELEASES

    rendered = render(inputs, options)
    uses_ilostat = options.employment == "ilostat" or bool(options.countries)
    releases = list(RELEASES) + (["ilostat"] if uses_ilostat else [])
    manifest = {**inputs.meta, "report": {**options.as_dict(), **rendered.facts}}
    return write_report(folder, rendered, releases, manifest)
