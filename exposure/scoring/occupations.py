"""Occupation scores: task scores aggregated, and carried across taxonomies by crosswalks.

- An occupation's score on each construct is the weighted mean of its task scores (O*NET
  Core tasks weigh 2, Supplemental and unrated 1; ISCO-08 listed tasks 1), with the
  share of its task weight above 0.5 (``share_high_<construct>``). Its interval is
  ``score +- q * s``: s the weighted mean of the tasks' text-model spread, q the
  occupation-level conformal scale (:func:`exposure.scoring.tasks.occupation_calibration`),
  which measures on O*NET occupations how far occupation means of the text model stray
  from occupation means of the codebook. ``place_boundness`` takes the largest lower bound
  of its components and its score plus the largest component half-width.
- ISCO-08 unit groups are scored natively from their own task lists, and through the
  crosswalk from O*NET: the mean of the O*NET occupations that map to the unit group,
  weighted by the employment each brings (:func:`onet_employment`: OEWS May 2024
  employment of its SOC code, times the crosswalk weight).
  The unit groups without a task list take the crosswalk score.
- ESCO occupations take the mean of their ISCO-08 unit group's score and, where the Nesta
  crosswalk reaches O*NET, of the O*NET score (crosswalk-weighted).
"""

from __future__ import annotations

import polars as pl

from exposure.scoring.codebook import COMPONENTS, CONSTRUCTS
from taxonomies import crosswalks

BOUNDS = [f"{c}{s}" for c in CONSTRUCTS for s in ("", "_lo", "_hi")]


def aggregate_tasks(task_scores: pl.DataFrame, q_occupation: dict[str, float]) -> pl.DataFrame:
    """Weighted means of the task scores per (taxonomy, occupation_code), with intervals
    from the occupation-level conformal scale ``q_occupation`` (per coded construct)."""
    w = pl.col("weight")
    mean = {c: ((pl.col(c) * w).sum() / w.sum()) for c in CONSTRUCTS}
    half = {c: q * (pl.col(f"sigma_{c}") * w).sum() / w.sum() for c, q in q_occupation.items()}
    lo = {c: (mean[c] - half[c]).clip(0.0, 1.0) for c in q_occupation}
    hi = {c: (mean[c] + half[c]).clip(0.0, 1.0) for c in q_occupation}
    parts = COMPONENTS
    lo["place_boundness"] = pl.min_horizontal(pl.max_horizontal(*[lo[c] for c in parts]), mean["place_boundness"])
    hi["place_boundness"] = (mean["place_boundness"] + pl.max_horizontal(*[half[c] for c in parts])).clip(0.0, 1.0)
    return task_scores.group_by("taxonomy", "occupation_code").agg(
        *[mean[c].alias(c) for c in CONSTRUCTS],
        *[lo[c].alias(f"{c}_lo") for c in CONSTRUCTS],
        *[hi[c].alias(f"{c}_hi") for c in CONSTRUCTS],
        pl.len().alias("n_tasks"),
        *[(((pl.col(c) > 0.5) * w).sum() / w.sum()).alias(f"share_high_{c}") for c in CONSTRUCTS],
    )


HOURS_PER_YEAR = 2080


def onet_employment(onet_codes: pl.Series, oews: pl.DataFrame) -> pl.DataFrame:
    """Employment and annual wage per O*NET occupation from OEWS.

    An O*NET occupation takes the employment of its SOC 2018 detailed code, or, where OEWS
    publishes only the broad group, what that broad group has beyond the detailed codes
    that other O*NET occupations already take (OEWS gives e.g. 21-1010 as a whole and
    21-1012 on its own: counting both would count 21-1012's workers twice); shared equally
    among the O*NET occupations taking the same code. The wage is that code's annual mean
    (hourly mean x 2,080 where OEWS gives only an hourly wage).
    """
    known = oews.filter(pl.col("employment").is_not_null())
    wage_expr = pl.coalesce(pl.col("annual_mean_wage"), pl.col("hourly_mean_wage") * HOURS_PER_YEAR)
    emp = dict(known.select("soc_code", pl.col("employment").cast(pl.Float64)).iter_rows())
    wage = dict(known.select("soc_code", wage_expr.alias("w")).iter_rows())
    df = pl.DataFrame({"occupation_code": onet_codes}).with_columns(
        soc=pl.col("occupation_code").str.slice(0, 7),
        broad=pl.col("occupation_code").str.slice(0, 6) + "0",
    )
    df = df.with_columns(
        key=pl.when(pl.col("soc").is_in(sorted(emp))).then(pl.col("soc"))
        .when(pl.col("broad").is_in(sorted(emp))).then(pl.col("broad"))
        .otherwise(None)
    )
    direct = sorted(set(df.filter(pl.col("key") == pl.col("soc"))["soc"]))
    taken: dict[str, float] = {}
    for code in direct:
        if code != code[:6] + "0":
            taken[code[:6] + "0"] = taken.get(code[:6] + "0", 0.0) + emp[code]
    total = {
        k: max(emp[k] - (taken.get(k, 0.0) if k not in direct else 0.0), 0.0)
        for k in set(df["key"].drop_nulls())
    }
    return df.select(
        "occupation_code",
        employment=(
            pl.col("key").replace_strict(total, default=None, return_dtype=pl.Float64) / pl.len().over("key")
        ).fill_null(0.0),
        annual_wage=pl.col("key").replace_strict(wage, default=None, return_dtype=pl.Float64),
    )


def _weighted(df: pl.DataFrame, by: str, weight: str, columns: list[str]) -> pl.DataFrame:
    w = pl.col(weight)
    return df.group_by(by).agg(
        *[((pl.col(c) * w).sum() / w.sum()).alias(c) for c in columns],
        w.sum().alias(weight),
    )


def isco_via_onet(onet_scores: pl.DataFrame, crosswalk: pl.DataFrame, oews: pl.DataFrame) -> pl.DataFrame:
    """ISCO-08 unit group scores carried from O*NET, employment-weighted."""
    emp = onet_employment(onet_scores["occupation_code"], oews)
    links = crosswalk.filter(pl.col("method") == crosswalks.ONET_TO_ISCO).select(
        occupation_code="from_code", isco="to_code", cw="weight"
    )
    df = links.join(onet_scores, on="occupation_code", how="inner").join(emp, on="occupation_code", how="left")
    # a unit group whose O*NET occupations have no OEWS employment weighs them equally
    df = df.with_columns(
        w=pl.when(pl.col("employment").sum().over("isco") > 0)
        .then(pl.col("cw") * pl.col("employment"))
        .otherwise(pl.col("cw"))
    )
    out = _weighted(df, "isco", "w", BOUNDS)
    emp_total = df.group_by("isco").agg((pl.col("cw") * pl.col("employment")).sum().alias("onet_employment"))
    return out.join(emp_total, on="isco").rename({"isco": "occupation_code"}).drop("w")


def isco_scores(native: pl.DataFrame, via_onet: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """Native scores where the unit group has tasks, else the crosswalk; both reported."""
    via = via_onet.select(
        "occupation_code", "onet_employment", *[pl.col(c).alias(f"{c}_via_onet") for c in CONSTRUCTS]
    )
    via_full = via_onet.select("occupation_code", *BOUNDS)
    df = units.select("occupation_code").join(native, on="occupation_code", how="left")
    fallback = df.filter(pl.col("n_tasks").is_null()).select("occupation_code").join(
        via_full, on="occupation_code", how="left"
    ).with_columns(n_tasks=pl.lit(0, pl.UInt32), source=pl.lit("onet crosswalk"))
    has = df.filter(pl.col("n_tasks").is_not_null()).with_columns(source=pl.lit("isco tasks"))
    return pl.concat([has, fallback], how="diagonal_relaxed").join(via, on="occupation_code", how="left")


def esco_scores(esco_codes: pl.DataFrame, isco: pl.DataFrame, onet: pl.DataFrame,
                crosswalk: pl.DataFrame) -> pl.DataFrame:
    """ESCO: mean of its ISCO-08 group's score and its O*NET crosswalk score (if any)."""
    to_isco = crosswalk.filter(pl.col("method") == crosswalks.ESCO_TO_ISCO).select(
        occupation_code="from_code", isco="to_code"
    )
    via_isco = to_isco.join(isco.select(pl.col("occupation_code").alias("isco"), *BOUNDS), on="isco", how="left")
    to_onet = crosswalk.filter(pl.col("method") == crosswalks.ESCO_TO_ONET).select(
        occupation_code="from_code", onet="to_code", w="weight"
    )
    via_onet = _weighted(
        to_onet.join(onet.select(pl.col("occupation_code").alias("onet"), *BOUNDS), on="onet", how="inner"),
        "occupation_code", "w", BOUNDS,
    ).drop("w")
    both = pl.concat(
        [via_isco.drop("isco").with_columns(src=pl.lit("isco")), via_onet.with_columns(src=pl.lit("onet"))],
        how="diagonal_relaxed",
    )
    out = both.group_by("occupation_code").agg(
        *[pl.col(c).mean() for c in BOUNDS],
        pl.col("src").sort().str.join("+").alias("source"),
    ).with_columns(
        source=pl.col("source").replace({"isco": "isco group", "isco+onet": "isco group + onet crosswalk"})
    )
    return esco_codes.select("occupation_code").join(out, on="occupation_code", how="left")


def agreement(isco: pl.DataFrame) -> pl.DataFrame:
    """ISCO-native vs O*NET-crosswalk scores across unit groups with both: correlation
    (Pearson and Spearman) and mean absolute difference, per construct."""
    both = isco.filter(pl.col("source") == "isco tasks")
    rows = []
    for c in CONSTRUCTS:
        d = both.select(pl.col(c).alias("a"), pl.col(f"{c}_via_onet").alias("b")).drop_nulls()
        rows.append({
            "construct": c,
            "unit_groups": d.height,
            "pearson_r": d.select(pl.corr("a", "b")).item(),
            "spearman_rho": d.select(pl.corr("a", "b", method="spearman")).item(),
            "mean_abs_diff": d.select((pl.col("a") - pl.col("b")).abs().mean()).item(),
        })
    return pl.DataFrame(rows)


def output_columns(df: pl.DataFrame) -> pl.DataFrame:
    """The occupation score contract: identity, scores, intervals, task counts, shares,
    source; ISCO-08 adds the O*NET-crosswalk scores. Columns that are empty for the
    taxonomy are dropped."""
    first = ["taxonomy", "occupation_code", "title", *CONSTRUCTS]
    intervals = [f"{c}{s}" for c in CONSTRUCTS for s in ("_lo", "_hi")]
    rest = ["n_tasks", *[f"share_high_{c}" for c in CONSTRUCTS], "source",
            "onet_employment", *[f"{c}_via_onet" for c in CONSTRUCTS]]
    cols = [c for c in [*first, *intervals, *rest] if c in df.columns]
    out = df.select(cols)
    keep = {*first, "n_tasks", "source"}
    return out.select([c for c in cols if c in keep or out[c].null_count() < out.height])


def task_output_columns(df: pl.DataFrame) -> pl.DataFrame:
    """The task score contract: identity, text, scores and intervals, evidence."""
    intervals = [f"{c}{s}" for c in CONSTRUCTS for s in ("_lo", "_hi")]
    return df.select(
        "taxonomy", "task_id", "occupation_code", "task_text", "task_type", "weight",
        *CONSTRUCTS, *intervals, "source", "evidence",
    ).sort("occupation_code", "task_id")
