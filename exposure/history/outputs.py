"""What the history build writes and shows: the trajectory CSVs, the identities moving
fastest toward generic screen work, the checks of the issue's "first look" figures, and the
one-line trajectory of the lookup page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from exposure.errors import ExposureError
from exposure.history.trajectories import LAST, MOVED_BY, SCREEN, History, history
from exposure.scoring import codebook as cb
from taxonomies import load
from taxonomies.onet_history import ORDER, RELEASES

N_DISSOLVING = 25
N_TASKS_SHOWN = 5
FIRST_LOOK_TASKS = ("14.0", LAST)
FIRST_LOOK_TECHNOLOGY = ("24.1", LAST)


def history_releases() -> list[str]:
    """The pinned releases the history reads (for manifests)."""
    return sorted({RELEASES[r][0] for r in ORDER} | {"onetsoc2009_crosswalk", "soc_crosswalks", "oews"})


def with_employment(occ: pl.DataFrame) -> pl.DataFrame:
    """The occupation summary with OEWS May 2024 employment (as the current scores use it)."""
    from exposure.scoring.occupations import onet_employment

    emp = onet_employment(occ["onet_code"], load("employment_us")).rename({"occupation_code": "onet_code"})
    return occ.join(emp.select("onet_code", "employment"), on="onet_code", how="left")


def dissolving(h: History, n: int = N_DISSOLVING) -> pl.DataFrame:
    """The occupations whose task content moved most toward generic screen work (the
    :data:`SCREEN` construct) between their first task list and 29.2, with employment.
    Occupations split or merged on the way to O*NET-SOC 2019 are left out: their change
    mixes the work with the new definition of the occupation."""
    occ = with_employment(h.occupations)
    cols = ["onet_code", "title", "first_release", f"{SCREEN}_first", f"{SCREEN}_last", f"{SCREEN}_change",
            "offshorability_first", "offshorability_last", "offshorability_change", "n_resurveys", "resurveyed_in",
            "n_appeared", "n_disappeared", *[f"e_skill_share_technology_{r}" for r in FIRST_LOOK_TECHNOLOGY],
            "e_skill_share_technology_change", "employment"]
    cols = list(dict.fromkeys(cols))
    return (occ.filter(pl.col(f"{SCREEN}_change").is_not_null() & ~pl.col("definition_changed"))
            .sort([f"{SCREEN}_change", "onet_code"], descending=[True, False]).head(n).select(cols)
            .with_row_index("rank", offset=1))


def moved_shares(h: History) -> pl.DataFrame:
    """Shares of occupations and of employment (OEWS May 2024) by how their task content moved
    on each construct between their first task list and 29.2."""
    occ = with_employment(h.occupations).with_columns(pl.col("employment").fill_null(0.0))
    total_emp, total = occ["employment"].sum(), occ.height
    redefined = occ.filter(pl.col("definition_changed"))
    occ = occ.filter(~pl.col("definition_changed"))
    rows = []
    for c in cb.CONSTRUCTS:
        ch = pl.col(f"{c}_change")
        for label, flag in (("moved up", ch >= MOVED_BY), ("moved down", ch <= -MOVED_BY),
                            ("moved less", ch.abs() < MOVED_BY)):
            sub = occ.filter(flag)
            rows.append({"construct": c, "movement": label, "occupations": sub.height,
                         "occupation_share": sub.height / total if total else None,
                         "employment": sub["employment"].sum(),
                         "employment_share": sub["employment"].sum() / total_emp if total_emp else None})
    never = occ.filter(pl.col("n_resurveys") == 0)
    rows.append({"construct": "", "movement": "never re-surveyed since first list", "occupations": never.height,
                 "occupation_share": never.height / total if total else None, "employment": never["employment"].sum(),
                 "employment_share": never["employment"].sum() / total_emp if total_emp else None})
    rows.append({"construct": "", "movement": "split or merged on the way to O*NET-SOC 2019 (left out above)",
                 "occupations": redefined.height, "occupation_share": redefined.height / total if total else None,
                 "employment": redefined["employment"].sum(),
                 "employment_share": redefined["employment"].sum() / total_emp if total_emp else None})
    return pl.DataFrame(rows)


def status_counts(h: History) -> pl.DataFrame:
    """Per release: how many occupations were re-surveyed, changed, or not re-surveyed."""
    rank = {r: i for i, r in enumerate(ORDER)}
    return (h.trajectories.group_by("release", "status").len("occupations")
            .with_columns(rk=pl.col("release").replace_strict(rank, return_dtype=pl.Int32))
            .sort("rk", "status").drop("rk"))


# --- the first-look figures, measured with the real method -------------------------


def first_look(h: History) -> pl.DataFrame:
    """The figures of the issue's "first look", measured here:

    - task statements: occupations whose code is identical in 14.0 and 29.2 (with tasks in
      both): mean and standard deviation of the change in offshorability as worded (each
      release's own texts) and of content (rewording matched out); mean Jaccard overlap of
      their task-id sets; how many have identical sets;
    - technology: occupations whose code is identical in 24.1 and 29.2 (with Technology
      Skills in both): how many changed their set of technology categories; mean number of
      categories; most e-skill categories gained.
    """
    a, b = FIRST_LOOK_TASKS
    rows = []

    def add(what: str, value: float | int | None, note: str = "") -> None:
        rows.append({"figure": what, "value": None if value is None else float(value), "note": note})

    # occupations by their code as published, as the first look compared them
    ch = h.chains.filter(pl.col("release").is_in([a, b])).unique(["release", "published_code", "task_id"])
    both = ch.group_by("published_code").agg(pl.col("release").n_unique().alias("n")).filter(pl.col("n") == 2)
    ch = ch.join(both.select("published_code"), on="published_code", how="semi")
    cols = list(dict.fromkeys(("offshorability", SCREEN)))
    sc = h.text_scores.select("text", *cols)

    def means(text: str) -> pl.DataFrame:
        return (ch.join(sc, left_on=text, right_on="text", how="left")
                .group_by("published_code", "release")
                .agg(*[((pl.col(c) * pl.col("weight")).sum() / pl.col("weight").sum()).alias(c) for c in cols])
                .sort("published_code", "release"))

    add(f"codes identical in {a} and {b}, with tasks in both", both.height, "issue: 676")
    for text, label in (("task_text", "as worded"), ("anchor_text", "content (rewording matched out)")):
        m = means(text)
        for c in cols:
            d = (m.filter(pl.col("release") == b)[c] - m.filter(pl.col("release") == a)[c]).to_numpy()
            add(f"mean change {a}->{b}: {c} {label}", d.mean() if len(d) else None,
                "issue: 0.001" if c == "offshorability" else "")
            add(f"sd of change {a}->{b}: {c} {label}", d.std(ddof=1) if len(d) > 1 else None,
                "issue: 0.014" if c == "offshorability" else "")
            add(f"mean absolute change {a}->{b}: {c} {label}", np.abs(d).mean() if len(d) else None)
    sets = ch.group_by("published_code").agg(
        *[pl.col(k).filter(pl.col("release") == r).alias(f"{k}_{r}") for k in ("task_id", "task_text", "chain")
          for r in (a, b)])
    for k, label, note in (("task_text", "texts", "SOURCE.md: 0.52 and 31"), ("task_id", "task ids", ""),
                           ("chain", "tasks (rewording matched out)", "")):
        jac = [len(set(x) & set(y)) / len(set(x) | set(y)) for x, y in sets.select(f"{k}_{a}", f"{k}_{b}").iter_rows()]
        add(f"mean Jaccard overlap of the sets of {label} {a}->{b}", float(np.mean(jac)) if jac else None, note)
        add(f"sets of {label} unchanged {a}->{b}", sum(j == 1.0 for j in jac), note)

    ta, tb = FIRST_LOOK_TECHNOLOGY
    from exposure.history.trajectories import eskill_commodities

    tech = load("history_technology").filter((pl.col("kind") == "technology") & pl.col("release").is_in([ta, tb]))
    e, _ = eskill_commodities(sorted(tech["commodity_code"].unique()))
    per = tech.group_by("occupation_code").agg(
        pl.col("commodity_code").filter(pl.col("release") == ta).unique().alias("x"),
        pl.col("commodity_code").filter(pl.col("release") == tb).unique().alias("y"),
    ).filter((pl.col("x").list.len() > 0) & (pl.col("y").list.len() > 0))
    xs, ys = per["x"].to_list(), per["y"].to_list()
    add(f"occupations with identical codes and technology in {ta} and {tb}", per.height, "issue: 721")
    add("of which changed their set of technology categories", sum(set(x) != set(y) for x, y in zip(xs, ys)),
        "issue: 574")
    add(f"mean technology categories {ta}", float(np.mean([len(x) for x in xs])) if xs else None, "issue: 11.0")
    add(f"mean technology categories {tb}", float(np.mean([len(y) for y in ys])) if ys else None, "issue: 12.9")
    changed = {c for c, x, y in zip(per["occupation_code"], xs, ys) if set(x) != set(y)}
    resurveyed = set(h.trajectories.filter(pl.col("release").is_in(["25.1", tb]) & pl.col("resurveyed").fill_null(False)
                                           )["onet_code"])
    add(f"of the changed, task list re-surveyed in 25.1 or {tb}", len(changed & resurveyed),
        "technology changes without a task re-survey point to the collection")
    add(f"of the unchanged, task list re-surveyed in 25.1 or {tb}", len((set(per["occupation_code"]) - changed) & resurveyed))
    gain = [len(set(y) & e) - len(set(x) & e) for x, y in zip(xs, ys)]
    add(f"most e-skill technology categories gained {ta}->{tb}", max(gain) if gain else None, "issue: up to 8")
    add(f"mean e-skill technology categories gained {ta}->{tb}", float(np.mean(gain)) if gain else None)
    return pl.DataFrame(rows, schema={"figure": pl.String, "value": pl.Float64, "note": pl.String})


# --- lookup ------------------------------------------------------------------------------


def label(construct: str) -> str:
    """A construct's name as the text shows it ("e-skill content", "offshorability")."""
    return construct.replace("e_skill", "e-skill").replace("_", " ")


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}"


def trajectory_line(h: History, code: str) -> dict[str, Any] | None:
    """The trajectory of one O*NET occupation as one line plus its parts, or None when it
    has no task list in 29.2."""
    occ = h.occupations.filter(pl.col("onet_code") == code)
    if occ.is_empty():
        return None
    o = occ.row(0, named=True)
    t = h.trajectories.filter(pl.col("onet_code") == code)
    resurveyed = o["resurveyed_in"] or ""
    parts = [f"{label(SCREEN)} {_fmt(o[f'{SCREEN}_first'])} ({o['first_release']}, {o['first_year']}) "
             f"-> {_fmt(o[f'{SCREEN}_last'])} ({LAST})"]
    if SCREEN != "offshorability":
        parts.append(f"offshorability {_fmt(o['offshorability_first'])} -> {_fmt(o['offshorability_last'])}")
    parts.append(f"re-surveyed in {resurveyed.replace(' ', ', ')}" if resurveyed else
                 f"not re-surveyed since {o['first_release']} (no evidence of change either way)")
    tech = [(r, o.get(f"e_skill_share_technology_{r}")) for r in ("24.1", LAST)]
    if all(v is not None for _, v in tech):
        parts.append("technology e-skill share " + " -> ".join(f"{_fmt(v)} ({r})" for r, v in tech))
    return {
        "line": "; ".join(parts),
        "construct": SCREEN,
        "releases": t.select(*dict.fromkeys(("release", "release_year", "status", "n_tasks", "n_added", "n_removed",
                                             "n_reworded", SCREEN, "offshorability", "e_skill_share_technology"))
                             ).to_dicts(),
        "appeared": (o["appeared"] or [])[:N_TASKS_SHOWN],
        "disappeared": (o["disappeared"] or [])[:N_TASKS_SHOWN],
        "n_appeared": o["n_appeared"],
        "n_disappeared": o["n_disappeared"],
    }


def lookup_history(taxonomy: str, code: str, onet_codes: list[str] | None = None) -> dict[str, Any]:
    """The ``history`` entry of the lookup page: the O*NET occupation's trajectory (an ESCO
    occupation shows the O*NET occupation its tasks come from), or a note saying why none."""
    if taxonomy == "isco08":
        return {"note": "the O*NET release history covers O*NET occupations"}
    target = code if taxonomy == "onet" else (onet_codes or [None])[0]
    if target is None:
        return {"note": "this occupation has no O*NET occupation to follow over time"}
    try:
        line = trajectory_line(history(), target)
    except ExposureError as exc:
        return {"note": f"the O*NET release history is not available: {exc}"}
    if line is None:
        return {"note": f"O*NET {target} has no task list in {LAST}"}
    return {"onet_code": target, **line}


# --- writing -----------------------------------------------------------------------------


def _flat(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(pl.col(c).list.join(" | ") for c, t in df.schema.items() if t == pl.List(pl.String))


def write_outputs(folder: Path, h: History | None = None, model_path: str | None = None) -> list[Path]:
    """history_trajectories.csv, history_occupations.csv, history_dissolving.csv,
    history_moved.csv, history_status.csv, history_first_look.csv, each with a manifest."""
    from exposure.manifest import write_with_manifest

    h = h or history(model_path)
    fields = {"releases": history_releases(), **h.meta}
    occ = with_employment(h.occupations)
    tables = {
        "history_trajectories.csv": h.trajectories,
        "history_occupations.csv": _flat(occ),
        "history_dissolving.csv": dissolving(h),
        "history_moved.csv": moved_shares(h),
        "history_status.csv": status_counts(h),
        "history_first_look.csv": first_look(h),
    }
    # sums over groups are not bit-stable from run to run: round, so the same inputs give the same files
    tables = {name: df.with_columns(pl.col(pl.Float64).round(6)) for name, df in tables.items()}
    return [write_with_manifest(df, Path(folder) / name, rows=df.height, **fields) for name, df in tables.items()]
