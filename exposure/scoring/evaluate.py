"""Validation: the text model against the codebook, ISCO-08 native against the O*NET
crosswalk, and named sanity checks on real occupations.

The sanity checks are data (``sanity_checks.csv`` beside this module): an occupation, a
construct and where it should rank among the scored occupations of its taxonomy
(``top_quartile``, ``top_half``, ``bottom_half``, ``bottom_quartile``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from exposure.errors import DataError

CHECKS = Path(__file__).with_name("sanity_checks.csv")
_RANGES = {
    "top_quartile": (0.75, 1.0),
    "top_half": (0.5, 1.0),
    "bottom_half": (0.0, 0.5),
    "bottom_quartile": (0.0, 0.25),
}


def percentiles(occupations: pl.DataFrame, construct: str) -> pl.DataFrame:
    """Each occupation's percentile rank (0-1) on a construct within its taxonomy."""
    return occupations.select(
        "taxonomy",
        "occupation_code",
        pl.col(construct).alias("value"),
        ((pl.col(construct).rank("average").over("taxonomy") - 0.5) / pl.len().over("taxonomy")).alias("percentile"),
    )


def sanity_checks(occupations: pl.DataFrame, path: Path = CHECKS) -> pl.DataFrame:
    """One row per check: the occupation's value, its percentile and whether it passed."""
    checks = pl.read_csv(path, schema={c: pl.String for c in ("name", "taxonomy", "occupation_code", "construct", "expect")})
    unknown = set(checks["expect"]) - set(_RANGES)
    if unknown:
        raise DataError(f"{path.name}: unknown expectation {sorted(unknown)[0]!r}; use one of {', '.join(_RANGES)}")
    rows = []
    for check in checks.iter_rows(named=True):
        ranked = percentiles(occupations.filter(pl.col(check["construct"]).is_not_null()), check["construct"])
        hit = ranked.filter(
            (pl.col("taxonomy") == check["taxonomy"]) & (pl.col("occupation_code") == check["occupation_code"])
        )
        if hit.is_empty():
            raise DataError(f"{path.name}: {check['taxonomy']} {check['occupation_code']} has no score")
        value, pct = hit.row(0)[2:]
        lo, hi = _RANGES[check["expect"]]
        title = occupations.filter(
            (pl.col("taxonomy") == check["taxonomy"]) & (pl.col("occupation_code") == check["occupation_code"])
        )["title"].item()
        rows.append({**check, "title": title, "value": value, "percentile": pct, "passed": lo <= pct <= hi})
    return pl.DataFrame(rows)


# --- a published measure: Dingel & Neiman (2020) teleworkability ----------------------------

TELEWORK_CONSTRUCTS = ("place_boundness", "person_bound", "site_bound", "material_bound", "offshorability")


def telework_points(occupations: pl.DataFrame, telework: pl.DataFrame, crosswalk: pl.DataFrame) -> pl.DataFrame:
    """O*NET 29.2 occupations with their scores and Dingel & Neiman's teleworkability,
    carried from O*NET-SOC 2010 through the O*NET crosswalk (the mean over the 2010
    occupations an occupation comes from; 0 or 1 when they agree)."""
    from taxonomies.crosswalks import ONET2010_TO_ONET

    links = crosswalk.filter(pl.col("method") == ONET2010_TO_ONET).select(onet2010="from_code", occupation_code="to_code")
    dn = telework.filter(pl.col("taxonomy") == "onet2010").select(onet2010="occupation_code", teleworkable="teleworkable")
    tele = links.join(dn, on="onet2010", how="inner").group_by("occupation_code").agg(
        teleworkable=pl.col("teleworkable").mean(), n_onet2010=pl.len())
    occ = occupations.filter(pl.col("taxonomy") == "onet").select("occupation_code", "title", *TELEWORK_CONSTRUCTS)
    return occ.join(tele, on="occupation_code", how="inner").sort("occupation_code")


def telework_agreement(points: pl.DataFrame) -> pl.DataFrame:
    """AUC of each construct for "cannot be done at home" over the occupations whose
    teleworkability is unambiguous (0 or 1): 0.5 is chance, 1 a perfect ranking."""
    from sklearn.metrics import roc_auc_score

    clear = points.filter(pl.col("teleworkable").is_in([0.0, 1.0]))
    y = (clear["teleworkable"] == 0.0).cast(pl.Int8).to_numpy()
    rows = []
    for c in TELEWORK_CONSTRUCTS:
        rows.append({"construct": c, "occupations": clear.height, "not_teleworkable": int(y.sum()),
                     "auc_not_teleworkable": float(roc_auc_score(y, clear[c].to_numpy()))})
    return pl.DataFrame(rows)


def telework_roc(points: pl.DataFrame, construct: str = "place_boundness") -> pl.DataFrame:
    """The ROC curve of ``construct`` for "cannot be done at home"."""
    from sklearn.metrics import roc_curve

    clear = points.filter(pl.col("teleworkable").is_in([0.0, 1.0]))
    fpr, tpr, thr = roc_curve((clear["teleworkable"] == 0.0).cast(pl.Int8).to_numpy(), clear[construct].to_numpy())
    return pl.DataFrame({"false_positive_rate": fpr, "true_positive_rate": tpr,
                         "threshold": [min(float(t), 1.0) for t in thr]})
