"""The tables behind the report's figures: pure functions of the occupation frame.

The occupation frame (:func:`occupation_frame`) has one row per scored occupation of the
chosen taxonomy: ``occupation_code``, ``title``, ``major_code``, ``major_title``,
``skill_level``, ``employment`` (persons), ``annual_wage`` (US dollars or null), every
construct with its ``_lo``/``_hi`` bounds, ``share_high_offshorability`` (share of task
weight above 0.5), and the unit the employment is measured for: ``unit``, ``unit_title``
and ``unit_size`` (how many occupations share that unit's employment; for O*NET with
OEWS, the SOC code whose employment is split equally among its O*NET occupations).
Every table returned is sorted explicitly.

"Highly" exposed means a score strictly above the threshold. A share's interval takes the
occupations' lower bounds (``_lo > threshold``) and upper bounds (``_hi > threshold``)
instead of their point scores; since lo <= score <= hi, lo share <= share <= hi share.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.scoring.codebook import CONSTRUCTS
from exposure.scoring.occupations import BOUNDS

# constructs of the headline figures: (column, phrase used in the report)
HEADLINE = (
    ("offshorability", "highly offshorable"),
    ("routinizability", "highly routine"),
    ("place_boundness", "place-bound"),
)
# the skill level from which an occupation counts as high-skill, per taxonomy
HIGH_SKILL = {"onet": 4, "isco08": 3}
SKILL_NAME = {"onet": "O*NET Job Zone (1-5)", "isco08": "ISCO-08 skill level (1-4)"}
CORNERS = {
    ("high", "high"): "Offshorable knowledge work",
    ("low", "high"): "Offshorable routine work",
    ("high", "low"): "Sheltered professional work",
    ("low", "low"): "Sheltered local work",
}


def major_of(taxonomy: str) -> pl.Expr:
    """The major group code of an occupation code: SOC 2-digit or ISCO-08 1-digit."""
    return pl.col("occupation_code").str.slice(0, 2 if taxonomy == "onet" else 1)


def occupation_frame(scores: pl.DataFrame, occupations: pl.DataFrame, weights: pl.DataFrame,
                     taxonomy: str, major_titles: dict[str, str]) -> pl.DataFrame:
    """One row per scored occupation of ``taxonomy`` with its weights and scores."""
    keep = [c for c in ("share_high_offshorability",) if c in scores.columns]
    sc = scores.filter(pl.col("taxonomy") == taxonomy).select("occupation_code", "title", *BOUNDS, *keep)
    skill = occupations.filter(pl.col("taxonomy") == taxonomy).select(
        "occupation_code", pl.col("skill_level").cast(pl.Int64)
    )
    df = (
        sc.join(skill, on="occupation_code", how="left")
        .join(weights.select("occupation_code", "employment", "annual_wage"), on="occupation_code", how="left")
        .with_columns(
            pl.col("employment").fill_null(0.0),
            major_code=major_of(taxonomy),
        )
        .with_columns(
            major_title=pl.col("major_code").replace_strict(major_titles, default=None, return_dtype=pl.String)
        )
    )
    extra = [c for c in ("share_high_offshorability",) if c in df.columns]
    units = [c for c in ("unit", "unit_title") if c in weights.columns]
    if units:
        df = df.join(weights.select("occupation_code", *units), on="occupation_code", how="left")
    df = df.with_columns(
        unit=pl.coalesce(pl.col("unit"), pl.col("occupation_code")) if units else pl.col("occupation_code"),
        unit_title=pl.coalesce(pl.col("unit_title"), pl.col("title")) if units else pl.col("title"),
    ).with_columns(unit_size=pl.len().over("unit").cast(pl.Int64))
    return df.select(
        "occupation_code", "title", "major_code", "major_title", "skill_level", "employment",
        "annual_wage", *BOUNDS, *extra, "unit", "unit_title", "unit_size",
    ).sort("occupation_code")


def _share(flag: pl.Expr, weight: pl.Expr) -> pl.Expr:
    return (flag.cast(pl.Float64) * weight).sum() / weight.sum()


def shares(df: pl.DataFrame, threshold: float, weight: pl.Expr | None = None) -> dict[str, float]:
    """Share of ``weight`` (default employment) above the threshold for each headline
    construct, with lower and upper bounds: keys ``<construct>``, ``_lo``, ``_hi``."""
    w = pl.col("employment") if weight is None else weight
    exprs = [
        _share(pl.col(f"{c}{s}") > threshold, w).alias(f"{c}{s}")
        for c, _ in HEADLINE for s in ("", "_lo", "_hi")
    ]
    return df.select(exprs).row(0, named=True)


def means(df: pl.DataFrame, columns=CONSTRUCTS) -> dict[str, float]:
    """Employment-weighted mean of each construct and of its bounds."""
    w = pl.col("employment")
    return df.select(
        [((pl.col(f"{c}{s}") * w).sum() / w.sum()).alias(f"{c}{s}") for c in columns for s in ("", "_lo", "_hi")]
    ).row(0, named=True)


def headline(df: pl.DataFrame, threshold: float, wages: bool) -> pl.DataFrame:
    """The headline figures: for each headline construct the share of employment (and of
    the wage bill, when ``wages``) above the threshold and the employment-weighted mean
    score, each with its interval."""
    measured = df.filter(pl.col("employment") > 0)
    emp = shares(measured, threshold)
    mean = means(measured, [c for c, _ in HEADLINE])
    paid = measured.filter(pl.col("annual_wage").is_not_null())
    bill = shares(paid, threshold, pl.col("employment") * pl.col("annual_wage")) if wages else None
    rows = []
    for c, phrase in HEADLINE:
        rows.append(("employment share", c, phrase, emp[c], emp[f"{c}_lo"], emp[f"{c}_hi"]))
        if bill is not None:
            rows.append(("wage-bill share", c, phrase, bill[c], bill[f"{c}_lo"], bill[f"{c}_hi"]))
        rows.append(("mean score", c, phrase, mean[c], mean[f"{c}_lo"], mean[f"{c}_hi"]))
    return pl.DataFrame(
        rows, schema=["measure", "construct", "phrase", "value", "lo", "hi"], orient="row"
    ).with_columns(threshold=pl.lit(threshold))


def distribution(df: pl.DataFrame, bins: int = 20) -> pl.DataFrame:
    """Histogram of each construct over occupations: count and employment per bin."""
    total_emp = df["employment"].sum()
    parts = []
    for c in CONSTRUCTS:
        d = df.filter(pl.col(c).is_not_null()).select(
            bin=(pl.col(c) * bins).floor().clip(0, bins - 1).cast(pl.Int64), employment=pl.col("employment")
        )
        agg = d.group_by("bin").agg(occupations=pl.len(), employment=pl.col("employment").sum())
        full = pl.DataFrame({"bin": list(range(bins))}).join(agg, on="bin", how="left").with_columns(
            pl.col("occupations").fill_null(0).cast(pl.Int64), pl.col("employment").fill_null(0.0)
        )
        parts.append(full.with_columns(
            construct=pl.lit(c),
            bin_lo=pl.col("bin") / bins,
            bin_hi=(pl.col("bin") + 1) / bins,
            occupation_share=pl.col("occupations") / max(d.height, 1),
            employment_share=pl.col("employment") / total_emp if total_emp else pl.lit(0.0),
        ))
    order = {c: i for i, c in enumerate(CONSTRUCTS)}
    return (
        pl.concat(parts)
        .with_columns(_o=pl.col("construct").replace_strict(order, return_dtype=pl.Int64))
        .sort("_o", "bin")
        .select("construct", "bin_lo", "bin_hi", "occupations", "occupation_share", "employment", "employment_share")
    )


def by_major_group(df: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Employment-weighted exposure by major group (SOC major or ISCO-08 major group)."""
    total = df["employment"].sum()
    w = pl.col("employment")
    cols = [c for c, _ in HEADLINE]
    out = df.group_by("major_code", "major_title").agg(
        occupations=pl.len(),
        employment=w.sum(),
        *[((pl.col(f"{c}{s}") * w).sum() / w.sum()).alias(f"{c}{s}") for c in cols for s in ("", "_lo", "_hi")],
        *[_share(pl.col(f"{c}{s}") > threshold, w).alias(f"share_high_{c}{s}") for c in cols
          for s in ("", "_lo", "_hi")],
    )
    out = out.with_columns(pl.col(pl.Float64).fill_nan(None))
    return out.with_columns(employment_share=w / total).sort("major_code").select(
        "major_code", "major_title", "occupations", "employment", "employment_share",
        *[f"{c}{s}" for c in cols for s in ("", "_lo", "_hi")],
        *[f"share_high_{c}{s}" for c in cols for s in ("", "_lo", "_hi")],
    )


def wage_deciles(df: pl.DataFrame) -> pl.DataFrame:
    """Employment deciles of the OEWS annual mean wage, with the employment-weighted
    exposure in each (an occupation falls in the decile holding its employment's midpoint)."""
    d = df.filter(pl.col("annual_wage").is_not_null() & (pl.col("employment") > 0)).sort(
        "annual_wage", "occupation_code"
    )
    total = d["employment"].sum()
    d = d.with_columns(
        decile=(((pl.col("employment").cum_sum() - pl.col("employment") / 2) / total * 10).floor()
                .clip(0, 9).cast(pl.Int64) + 1)
    )
    w = pl.col("employment")
    cols = [c for c, _ in HEADLINE]
    return d.group_by("decile").agg(
        occupations=pl.len(),
        employment=w.sum(),
        wage_min=pl.col("annual_wage").min(),
        wage_max=pl.col("annual_wage").max(),
        wage_mean=(pl.col("annual_wage") * w).sum() / w.sum(),
        *[((pl.col(f"{c}{s}") * w).sum() / w.sum()).alias(f"{c}{s}") for c in cols for s in ("", "_lo", "_hi")],
    ).sort("decile")


def skill_split(taxonomy: str) -> pl.Expr:
    return pl.when(pl.col("skill_level") >= HIGH_SKILL[taxonomy]).then(pl.lit("high")).otherwise(pl.lit("low"))


def quadrant(df: pl.DataFrame, taxonomy: str, threshold: float, examples: int = 3) -> pl.DataFrame:
    """Employment in the four corners of skill level x offshorability; occupations without
    a skill level (O*NET residual codes without a Job Zone) are left out."""
    d = df.filter(pl.col("skill_level").is_not_null()).with_columns(
        skill=skill_split(taxonomy),
        offshore=pl.when(pl.col("offshorability") > threshold).then(pl.lit("high")).otherwise(pl.lit("low")),
    )
    total = d["employment"].sum()
    rows = []
    for (skill, offshore), name in CORNERS.items():
        part = d.filter((pl.col("skill") == skill) & (pl.col("offshore") == offshore))
        top = part.sort(["employment", "occupation_code"], descending=[True, False]).head(examples)
        rows.append({
            "corner": name,
            "skill": skill,
            "offshorability": offshore,
            "occupations": part.height,
            "employment": float(part["employment"].sum()),
            "employment_share": float(part["employment"].sum()) / total if total else 0.0,
            "largest_occupations": " | ".join(top["title"].to_list()),
        })
    return pl.DataFrame(rows).sort("skill", "offshorability", descending=[True, True])


def identity(ident: pl.DataFrame, df: pl.DataFrame, n: int = 15) -> pl.DataFrame:
    """The ``n`` occupations whose identity dissolves most into generic e-skills and the
    ``n`` most protected (lowest identity_dissolution), with their employment."""
    cols = [c for c in ("e_skill_content", "technology_e_skill_share", "e_skill_overlap", "specificity")
            if c in ident.columns]
    d = ident.filter(pl.col("identity_dissolution").is_not_null()).select(
        "occupation_code", "identity_dissolution", *cols
    ).join(df.select("occupation_code", "title", "employment", "offshorability"), on="occupation_code", how="inner")
    top = d.sort(["identity_dissolution", "occupation_code"], descending=[True, False]).head(n)
    bottom = d.sort(["identity_dissolution", "occupation_code"], descending=[False, False]).head(n)
    out = pl.concat([
        top.with_columns(group=pl.lit("dissolving"), rank=pl.int_range(1, top.height + 1)),
        bottom.with_columns(group=pl.lit("protected"), rank=pl.int_range(1, bottom.height + 1)),
    ])
    return out.select("group", "rank", "occupation_code", "title", "identity_dissolution", *cols,
                      "offshorability", "employment")


def country_row(df: pl.DataFrame, threshold: float) -> dict[str, float]:
    """Headline shares and mean offshorability of one country's occupation frame."""
    d = df.filter(pl.col("employment") > 0)
    out = shares(d, threshold)
    m = means(d, ["offshorability"])
    out.update({f"mean_{k}": v for k, v in m.items()})
    out["employment"] = float(d["employment"].sum())
    return out


# --- threshold-robust headline ---------------------------------------------------------------

BANDS_FILE = Path(__file__).with_name("bands.csv")
CURVE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
RANGE = (0.4, 0.6)  # the thresholds the headline range spans


def band_spec(path: Path = BANDS_FILE) -> pl.DataFrame:
    """The exposure bands (a reviewable judgement, one rationale per row)."""
    return pl.read_csv(path, schema={"band": pl.String, "label": pl.String, "mean_above": pl.Float64,
                                     "mean_at_most": pl.Float64, "task_share_at_least": pl.Float64,
                                     "task_share_below": pl.Float64, "rationale": pl.String})


def band_of(spec: pl.DataFrame) -> pl.Expr:
    """The band of each occupation from its mean offshorability and the share of its task
    weight above 0.5 (an occupation without task shares counts as sharing 0.5)."""
    m = pl.col("offshorability")
    s = pl.col("share_high_offshorability").fill_null(0.5)
    expr = pl.lit(None, pl.String)
    for r in reversed(list(spec.iter_rows(named=True))):
        cond = (m > r["mean_above"]) & (m <= r["mean_at_most"])
        if r["task_share_at_least"] is not None:
            cond = cond & (s >= r["task_share_at_least"])
        if r["task_share_below"] is not None:
            cond = cond & (s < r["task_share_below"])
        expr = pl.when(cond).then(pl.lit(r["band"])).otherwise(expr)
    return expr


def bands(df: pl.DataFrame, spec: pl.DataFrame | None = None) -> pl.DataFrame:
    """Occupations and employment in each exposure band, in band order."""
    spec = band_spec() if spec is None else spec
    d = df.with_columns(band=band_of(spec))
    if "share_high_offshorability" not in d.columns:
        d = d.with_columns(share_high_offshorability=pl.lit(None, pl.Float64))
    total = d["employment"].sum()
    agg = d.group_by("band").agg(occupations=pl.len(), employment=pl.col("employment").sum())
    order = spec.select("band", "label", "rationale").with_row_index("order")
    out = order.join(agg, on="band", how="left").with_columns(
        pl.col("occupations").fill_null(0).cast(pl.Int64), pl.col("employment").fill_null(0.0),
    ).with_columns(employment_share=pl.col("employment") / total if total else pl.lit(0.0))
    return out.sort("order").select("band", "label", "occupations", "employment", "employment_share", "rationale")


def threshold_curve(df: pl.DataFrame, thresholds=CURVE_THRESHOLDS) -> pl.DataFrame:
    """Share of employment above each threshold for each headline construct, with the
    shares from the lower and upper bounds (``share_lo`` <= ``share`` <= ``share_hi``)."""
    d = df.filter(pl.col("employment") > 0)
    rows = []
    for t in thresholds:
        sh = shares(d, t)
        for c, _ in HEADLINE:
            rows.append({"construct": c, "threshold": float(t), "share": sh[c], "share_lo": sh[f"{c}_lo"],
                         "share_hi": sh[f"{c}_hi"]})
    order = {c: i for i, (c, _) in enumerate(HEADLINE)}
    return pl.DataFrame(rows).with_columns(
        _o=pl.col("construct").replace_strict(order, return_dtype=pl.Int64)
    ).sort("_o", "threshold").drop("_o")


def headline_range(df: pl.DataFrame, construct: str = "offshorability", between=RANGE) -> dict[str, float]:
    """The headline as a range: the share above the lower and the upper end of
    ``between`` (point scores), and the share of employment whose score lies in between
    (what makes the range wide)."""
    d = df.filter(pl.col("employment") > 0)
    lo_t, hi_t = between
    total = d["employment"].sum()
    at = {t: float(d.filter(pl.col(construct) > t)["employment"].sum() / total) for t in between}
    middle = float(d.filter((pl.col(construct) > lo_t) & (pl.col(construct) <= hi_t))["employment"].sum() / total)
    return {"from_threshold": lo_t, "to_threshold": hi_t, "share_at_low_threshold": at[lo_t],
            "share_at_high_threshold": at[hi_t], "share_between": middle}


def top_exposed(df: pl.DataFrame, threshold: float, n: int = 20) -> pl.DataFrame:
    """The ``n`` units (the codes employment is measured for) with the most workers in
    occupations scoring above the threshold, with the occupations they hold."""
    d = df.filter((pl.col("offshorability") > threshold) & (pl.col("employment") > 0))
    agg = d.group_by("unit", "unit_title").agg(
        exposed=pl.col("employment").sum(),
        occupations=pl.col("title").sort_by("occupation_code").str.join(" | "),
        n_occupations=pl.len(),
        offshorability=(pl.col("offshorability") * pl.col("employment")).sum() / pl.col("employment").sum(),
        offshorability_lo=(pl.col("offshorability_lo") * pl.col("employment")).sum() / pl.col("employment").sum(),
        offshorability_hi=(pl.col("offshorability_hi") * pl.col("employment")).sum() / pl.col("employment").sum(),
        major_title=pl.col("major_title").first(),
    )
    return agg.sort(["exposed", "unit"], descending=[True, False]).head(n).with_row_index("rank", offset=1).select(
        pl.col("rank").cast(pl.Int64), "unit", "unit_title", "major_title", "exposed", "n_occupations",
        "occupations", "offshorability", "offshorability_lo", "offshorability_hi",
    )
