"""The codebook: manual judgements that code O*NET work activities on each construct.

Reviewable CSV files beside this module:

- ``codebook/iwa.csv``: every one of O*NET's 332 Intermediate Work Activities, coded 0,
  0.25, 0.5, 0.75 or 1 on the six coded constructs, with a one-line rationale.
- ``codebook/dwa_overrides.csv``: Detailed Work Activities whose codes differ from their
  IWA's (e.g. selling by telephone under "Sell products or services"), same columns.
- ``codebook/e_skill_second_coding.csv``: e_skill_content of every IWA and DWA override as
  coded blind by a second coder; used only to measure agreement (:func:`second_coding_agreement`).

The coding guide is ``codebook/GUIDE.md``. :func:`load` checks the files (scale, ids
unique, rationale present) and hashes them; the hash goes into every manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from exposure.errors import DataError

FOLDER = Path(__file__).with_name("codebook")
# e_skill_content (issue 8) is last: how far the task is generic information handling done
# on a screen with generic e-skills. Every computation is per construct, so adding it left
# the other constructs' scores unchanged (tests/test_eskills.py pins them).
CODED = ("routinizability", "person_bound", "site_bound", "material_bound", "offshorability", "e_skill_content")
COMPONENTS = ("person_bound", "site_bound", "material_bound")
# the constructs every score table reports, place_boundness derived from the components
CONSTRUCTS = ("routinizability", "place_boundness", "person_bound", "site_bound", "material_bound", "offshorability",
              "e_skill_content")
SCALE = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Codebook:
    iwa: pl.DataFrame  # iwa_id, iwa_title, <coded>, rationale
    dwa: pl.DataFrame  # dwa_id, dwa_title, <coded>, rationale
    sha256: str


def _read(path: Path, key: str, title: str, coded: tuple[str, ...] = CODED) -> pl.DataFrame:
    schema = {key: pl.String, title: pl.String, **{c: pl.Float64 for c in coded}, "rationale": pl.String}
    try:
        df = pl.read_csv(path, schema=schema)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise DataError(f"codebook {path.name}: cannot read ({exc})") from None
    bad_scale = df.filter(~pl.all_horizontal(pl.col(c).is_in(SCALE) for c in coded))
    if bad_scale.height:
        raise DataError(f"codebook {path.name}: {bad_scale[key][0]} has a code off the scale {SCALE}")
    if df[key].is_duplicated().any():
        raise DataError(f"codebook {path.name}: {df.filter(df[key].is_duplicated())[key][0]} is coded twice")
    empty = df.filter(pl.col("rationale").fill_null("").str.strip_chars() == "")
    if empty.height:
        raise DataError(f"codebook {path.name}: {empty[key][0]} has no rationale")
    return df.sort(key)


@cache
def load(folder: Path = FOLDER) -> Codebook:
    iwa_path, dwa_path = folder / "iwa.csv", folder / "dwa_overrides.csv"
    h = hashlib.sha256()
    for p in (iwa_path, dwa_path):
        h.update(p.read_bytes() if p.is_file() else b"")
    return Codebook(
        iwa=_read(iwa_path, "iwa_id", "iwa_title"),
        dwa=_read(dwa_path, "dwa_id", "dwa_title"),
        sha256=h.hexdigest(),
    )


def check_coverage(book: Codebook, activities: pl.DataFrame) -> None:
    """Every IWA that O*NET tasks link to is coded; every override names a real DWA."""
    missing = set(activities["iwa_id"]) - set(book.iwa["iwa_id"])
    if missing:
        raise DataError(f"codebook iwa.csv: {len(missing)} IWAs are not coded, e.g. {sorted(missing)[0]}")
    unknown = set(book.dwa["dwa_id"]) - set(activities["dwa_id"])
    if unknown:
        raise DataError(f"codebook dwa_overrides.csv: {sorted(unknown)[0]} is not a DWA linked to any task")


SECOND_CODING = FOLDER / "e_skill_second_coding.csv"


def second_coding_agreement(book: Codebook | None = None, path: Path = SECOND_CODING) -> pl.DataFrame:
    """The codebook's e_skill_content against an independent second coding of every IWA and
    DWA override (``codebook/e_skill_second_coding.csv``: coded blind to the codebook's codes
    and to every result, from GUIDE.md's e-skill section alone). One row per level: items,
    exact agreement, agreement within one step (0.25), quadratic-weighted kappa, the mean
    difference (codebook minus second coder) and the items one coder puts two or more steps
    (0.5) apart. The codebook's codes are the ones used; the second coding only measures
    how reliably the guide can be applied (docs/graph.md)."""
    import numpy as np
    from sklearn.metrics import cohen_kappa_score

    book = book or load()
    second = _read(path, "activity_id", "title", ("e_skill_content",))
    extra = set(second["activity_id"]) - set(book.iwa["iwa_id"]) - set(book.dwa["dwa_id"])
    if extra:
        raise DataError(f"{path.name}: {sorted(extra)[0]} is not an activity of the codebook")
    per_unit = len(SCALE) - 1  # steps of the scale per unit: codes as whole steps
    rows = []
    for level, table, key in (("IWA", book.iwa, "iwa_id"), ("DWA override", book.dwa, "dwa_id")):
        pair = table.select(pl.col(key).alias("activity_id"), pl.col("e_skill_content").alias("codebook")).join(
            second.select("activity_id", pl.col("e_skill_content").alias("second")), on="activity_id", how="left")
        if pair["second"].null_count():
            missing = pair.filter(pl.col("second").is_null())["activity_id"][0]
            raise DataError(f"{path.name}: {missing} is not coded")
        a, b = (np.rint(pair[c].to_numpy() * per_unit).astype(int) for c in ("codebook", "second"))
        steps = np.abs(a - b)
        rows.append({"level": level, "items": pair.height, "exact": float((steps == 0).mean()),
                     "within_0.25": float((steps <= 0.25 * per_unit).mean()),
                     "weighted_kappa": float(cohen_kappa_score(a, b, weights="quadratic")),
                     "mean_difference": float((a - b).mean() / per_unit), "apart_0.5_or_more": int((steps >= 0.5 * per_unit).sum())})
    return pl.DataFrame(rows)
