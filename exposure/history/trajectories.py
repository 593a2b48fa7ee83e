"""Trajectories of O*NET occupations across 14 releases (13.0 ... 25.1, 29.2), scored with
one model.

Every task statement of every release is scored by the fitted text model
(:func:`exposure.scoring.pipeline.score_text`; the same model for every release, so that a
change in a score is a change in the texts, not in the model) and aggregated per
occupation like the current scores (:func:`exposure.scoring.occupations.aggregate_tasks`:
weighted means, Core tasks weigh 2, with the occupation-level conformal intervals).
Releases' codes reach O*NET-SOC 2019 through :mod:`taxonomies.onet_history`.

Content, not wording
    A *chain* is one task across releases: the same ``task_id`` (O*NET keeps the id of a
    task it keeps, reworded or not), joined with a task that left an occupation's list in a
    release when a task with another id entered it in the same release whose text is
    nearly the same (mutual nearest, cosine similarity of the embeddings >=
    :data:`REID_SIMILARITY`). Each chain is scored once, by its latest wording and weight
    (its *anchor*), so rewording cannot move the *content* score: it moves only when
    chains enter or leave the occupation's list. The score *as worded* (each release's own
    texts and weights) is kept beside it; their difference is the wording effect.

Re-survey, not silence
    Between two consecutive releases an occupation is ``re-surveyed`` when a kept task's
    collection date (``Date``) changed or a task was added with a date later than any
    before. ``status`` separates ``not re-surveyed`` (no new dates, no change: no evidence
    either way) from ``re-surveyed, no change`` (new data, same task content),
    ``re-surveyed, content changed`` and ``changed without new dates`` (the list changed
    without new collection dates, e.g. a taxonomy change merged lists).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from exposure.cache import Entry, make_key, source_digest
from exposure.context import model_path as _context_model
from exposure.scoring import codebook as cb
from exposure.scoring.pipeline import Progress
from taxonomies import load
from taxonomies.onet_history import ORDER, RELEASES, WITH_TECHNOLOGY
from taxonomies.registry import cache_key, parts_of

REID_SIMILARITY = 0.9  # a task under a new id this close to one that left is the same task
MOVED_BY = 0.05  # an occupation "moved" when its content score changed by at least this much
SCREEN = "e_skill_content" if "e_skill_content" in cb.CONSTRUCTS else "offshorability"
TABLES = ("history_tasks", "history_codes", "history_technology", "history_occupations")
PARTS = ("trajectories", "occupations", "chains", "text_scores")
LAST = ORDER[-1]



def release_year(release: str) -> int:
    """Year the release was published (from releases.toml)."""
    from taxonomies.releases import releases

    return int(releases()[RELEASES[release][0]].published[:4])


@dataclass
class History:
    trajectories: pl.DataFrame  # one row per (O*NET-SOC 2019 occupation, release with tasks)
    occupations: pl.DataFrame  # one row per occupation: first -> last, re-surveys, technology
    chains: pl.DataFrame  # one row per (occupation, release, task): id, chain, texts
    text_scores: pl.DataFrame  # one row per distinct text: each construct and its spread
    meta: dict


# --- inputs ----------------------------------------------------------------------------------


def _tasks() -> pl.DataFrame:
    """Every task statement of every release, under its O*NET-SOC 2019 code(s)."""
    tasks = load("history_tasks")
    codes = load("history_codes").select("release", "occupation_code", "onet_code", "mapping")
    return tasks.join(codes, on=["release", "occupation_code"], how="inner").rename(
        {"occupation_code": "published_code"}
    )


def _union_find(pairs: list[tuple[str, str]], ids: list[str]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=_id_key)] = min(ra, rb, key=_id_key)
    return {i: find(i) for i in ids}


def _id_key(task_id: str) -> tuple[int, str]:
    return (int(task_id), task_id) if task_id.isdigit() else (1 << 62, task_id)


def reid_pairs(tasks: pl.DataFrame, vectors: dict[str, np.ndarray],
               threshold: float = REID_SIMILARITY) -> pl.DataFrame:
    """Tasks that left an occupation's list in a release matched to tasks with a new id that
    entered it in the same release: mutual nearest neighbours with cosine >= ``threshold``.

    ``tasks`` has release, onet_code, task_id, task_text; ``vectors`` maps text -> unit vector
    (only the texts of tasks that left or entered a list are looked up).
    """
    rank = {r: i for i, r in enumerate(ORDER)}
    t = tasks.select("onet_code", "release", "task_id", "task_text").with_columns(
        rk=pl.col("release").replace_strict(rank, return_dtype=pl.Int32))
    present = t.select("onet_code", "rk").unique().sort("onet_code", "rk").with_columns(
        prev=pl.col("rk").shift(1).over("onet_code"))
    steps = present.filter(pl.col("prev").is_not_null())
    cur = t.join(steps, on=["onet_code", "rk"], how="inner")
    before = t.rename({"rk": "prev"}).select("onet_code", "prev", "task_id", "task_text")
    new = cur.join(before.select("onet_code", "prev", "task_id"), on=["onet_code", "prev", "task_id"], how="anti")
    gone = before.join(steps.select("onet_code", "prev", "rk"), on=["onet_code", "prev"], how="inner").join(
        t.select("onet_code", "rk", "task_id"), on=["onet_code", "rk", "task_id"], how="anti")
    both = new.select("onet_code", "rk").unique().join(gone.select("onet_code", "rk").unique(), on=["onet_code", "rk"])
    new = new.join(both, on=["onet_code", "rk"], how="semi").sort("onet_code", "rk", "task_id")
    gone = gone.join(both, on=["onet_code", "rk"], how="semi").sort("onet_code", "rk", "task_id")
    new_groups = {k: df for k, df in new.group_by("onet_code", "rk", maintain_order=True)}
    rows = []
    for (code, rk), a in gone.group_by("onet_code", "rk", maintain_order=True):
        b = new_groups[(code, rk)]
        A = np.stack([vectors[x] for x in a["task_text"]])
        B = np.stack([vectors[x] for x in b["task_text"]])
        S = A @ B.T
        best_b, best_a = S.argmax(axis=1), S.argmax(axis=0)
        for i, j in enumerate(best_b):
            if best_a[j] == i and S[i, j] >= threshold:
                rows.append((code, ORDER[a["prev"][0]], ORDER[rk], a["task_id"][i], b["task_id"][int(j)],
                             float(S[i, j]), a["task_text"][i], b["task_text"][int(j)]))
    schema = {"onet_code": pl.String, "from_release": pl.String, "to_release": pl.String, "old_task_id": pl.String,
              "new_task_id": pl.String, "similarity": pl.Float64, "old_text": pl.String, "new_text": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row").sort("onet_code", "to_release", "old_task_id")


def chains(tasks: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """``tasks`` with ``chain`` (the smallest task id of the chain) and the chain's anchor
    text and weight: its wording and weight in the latest release it appears in."""
    ids = sorted(set(tasks["task_id"]), key=_id_key)
    root = _union_find(list(pairs.select("old_task_id", "new_task_id").iter_rows()), ids)
    rank = {r: i for i, r in enumerate(ORDER)}
    out = tasks.with_columns(
        chain=pl.col("task_id").replace_strict(root, return_dtype=pl.String),
        release_rank=pl.col("release").replace_strict(rank, return_dtype=pl.Int32),
    )
    anchor = (
        out.sort("release_rank", "task_id", descending=[True, False])
        .group_by("chain", maintain_order=True)
        .agg(anchor_text=pl.col("task_text").first(), anchor_weight=pl.col("weight").first(),
             anchor_release=pl.col("release").first())
    )
    return out.join(anchor, on="chain", how="left")


# --- scoring -----------------------------------------------------------------------------


def _aggregate(df: pl.DataFrame, scores: pl.DataFrame, text: str, weight: str, q_occ: dict[str, float]) -> pl.DataFrame:
    from exposure.scoring.occupations import aggregate_tasks

    cols = [*cb.CONSTRUCTS, *[f"sigma_{c}" for c in cb.CODED]]
    # sorted, so that float sums run in the same order every time (same inputs, same digits)
    joined = df.select("release", "onet_code", pl.col(text).alias("text"), pl.col(weight).alias("weight")).join(
        scores.select("text", *cols), on="text", how="left"
    ).sort("release", "onet_code", "text", "weight")
    return aggregate_tasks(joined.rename({"release": "taxonomy", "onet_code": "occupation_code"}), q_occ).rename(
        {"taxonomy": "release", "occupation_code": "onet_code"}
    )


def _status(resurveyed: pl.Expr, changed: pl.Expr, first: pl.Expr) -> pl.Expr:
    return (
        pl.when(first).then(pl.lit("first task list"))
        .when(resurveyed & changed).then(pl.lit("re-surveyed, content changed"))
        .when(resurveyed).then(pl.lit("re-surveyed, no change"))
        .when(changed).then(pl.lit("changed without new dates"))
        .otherwise(pl.lit("not re-surveyed"))
    )


def interval_changes(ch: pl.DataFrame) -> pl.DataFrame:
    """Per (occupation, release): what changed since the occupation's previous release with
    tasks (kept, added, removed chains; reworded tasks; new dates) and the status."""
    rank = {r: i for i, r in enumerate(ORDER)}
    sets = ch.group_by("onet_code", "release").agg(
        pl.col("chain").unique().sort().alias("chains"),
        pl.struct("task_id", "date").alias("dated"),
        pl.struct("chain", "task_text").alias("texts"),
        pl.col("date").max().alias("latest_date"),
        pl.len().alias("n_tasks"),
    ).with_columns(release_rank=pl.col("release").replace_strict(rank, return_dtype=pl.Int32)).sort(
        "onet_code", "release_rank"
    )
    rows = []
    prev_code, prev = None, None
    for row in sets.iter_rows(named=True):
        if row["onet_code"] != prev_code:
            prev = None
        out = {"onet_code": row["onet_code"], "release": row["release"], "n_tasks": row["n_tasks"],
               "latest_date": row["latest_date"]}
        if prev is None:
            out.update(previous_release=None, n_kept=None, n_added=None, n_removed=None, n_reworded=None,
                       resurveyed=None, content_changed=None)
        else:
            now, before = set(row["chains"]), set(prev["chains"])
            old_dates = {d["task_id"]: d["date"] for d in prev["dated"]}
            latest_before = prev["latest_date"] or ""
            new_dates = any(
                (d["task_id"] in old_dates and d["date"] != old_dates[d["task_id"]])
                or (d["task_id"] not in old_dates and (d["date"] or "") > latest_before)
                for d in row["dated"]
            )
            old_text = {t["chain"]: t["task_text"] for t in prev["texts"]}
            reworded = sum(1 for t in row["texts"] if t["chain"] in old_text and old_text[t["chain"]] != t["task_text"])
            out.update(previous_release=prev["release"], n_kept=len(now & before), n_added=len(now - before),
                       n_removed=len(before - now), n_reworded=reworded, resurveyed=new_dates,
                       content_changed=now != before)
        rows.append(out)
        prev_code, prev = row["onet_code"], row
    schema = {"onet_code": pl.String, "release": pl.String, "n_tasks": pl.Int64, "latest_date": pl.String,
              "previous_release": pl.String, "n_kept": pl.Int64, "n_added": pl.Int64, "n_removed": pl.Int64,
              "n_reworded": pl.Int64, "resurveyed": pl.Boolean, "content_changed": pl.Boolean}
    df = pl.DataFrame(rows, schema=schema, orient="row")
    return df.with_columns(
        status=_status(pl.col("resurveyed").fill_null(False), pl.col("content_changed").fill_null(False),
                       pl.col("previous_release").is_null())
    )


def eskill_commodities(codes: list[str] | None = None) -> tuple[set[str], str]:
    """UNSPSC commodity codes of O*NET Technology Skills that count as e-skills, and where the
    verdict comes from: the curated O*NET e-skill list (:func:`exposure.graph.eskills.e_skill_list`,
    the rule plus its reviewed exceptions) for the commodities of 29.2, and the list's rule
    (:func:`exposure.graph.eskills.onet_rule`, by UNSPSC class) for commodities that only
    earlier releases list. ``codes``: the commodities to judge (default: the listed ones)."""
    from exposure.graph.eskills import e_skill_list, onet_rule

    listed = e_skill_list("onet")
    verdict = dict(zip(listed["skill_id"].str.strip_prefix("technology:"), listed["is_e_skill"]))
    for code in codes or []:
        if code not in verdict:
            verdict[code] = onet_rule(f"technology:{code}")[0]
    return {c for c, v in verdict.items() if v}, "curated O*NET e-skill list (exposure/graph/data/eskills_onet.csv; its rule for commodities not listed in 29.2)"


def technology_profiles() -> tuple[pl.DataFrame, str]:
    """Per (occupation, release with technology data): technology categories, e-skill ones."""
    tech = load("history_technology").filter(pl.col("kind") == "technology")
    e, source = eskill_commodities(sorted(tech["commodity_code"].unique()))
    codes = load("history_codes").select("release", "occupation_code", "onet_code")
    df = tech.join(codes, on=["release", "occupation_code"], how="inner")
    out = df.group_by("onet_code", "release").agg(
        pl.col("commodity_code").n_unique().alias("n_technology"),
        pl.col("commodity_code").filter(pl.col("commodity_code").is_in(sorted(e))).n_unique().alias("n_technology_e_skill"),
    ).with_columns(e_skill_share_technology=pl.col("n_technology_e_skill") / pl.col("n_technology"))
    return out, source


# --- the whole build ---------------------------------------------------------------------


CODE = ("exposure.history", "exposure.scoring", "exposure.graph.eskills", "exposure.embed")


def history_key(model_path: str | None = None) -> str:
    """The history's cache key (the one rule of :mod:`taxonomies.cache`): the tables it
    reads, the scores and model, the technology e-skill list, and the code."""
    from exposure.embed import model_info
    from exposure.graph.eskills import e_skill_list
    from exposure.scoring.pipeline import score_key

    return make_key(
        tables=[cache_key(part) for table in TABLES for part in parts_of(table)],
        scores=score_key(model_path),
        model=model_info(model_path).key,
        code=source_digest(*CODE),
        parameters=[REID_SIMILARITY, MOVED_BY, SCREEN],
        technology_e_skills=e_skill_list("onet").write_csv(),
    )


def _q_occupation(model_path: str | None) -> dict[str, float]:
    """The occupation-level conformal scale per coded construct, as the current scores use it."""
    from exposure.scoring.pipeline import scores, text_fit

    q = scores(model_path).meta.get("text_model", {}).get("conformal_scale_occupation")
    if q and set(q) == set(cb.CODED):
        return {c: float(q[c]) for c in cb.CODED}
    return dict(zip(cb.CODED, map(float, text_fit(model_path).q_occupation)))


def text_scores(texts: list[str], model_path: str | None = None) -> pl.DataFrame:
    """:func:`exposure.scoring.pipeline.score_text` of ``texts`` (each construct and its
    spread), cached by text under the score cache's key: a text's score depends only on
    the text and the fitted model, so a rebuild scores only texts it has not seen."""
    from exposure.scoring.pipeline import score_key, score_text

    cols = [*cb.CONSTRUCTS, *[f"sigma_{c}" for c in cb.CODED]]
    entry = Entry("history", "text_scores", score_key(model_path))
    have = entry.read_parquet("text_scores.parquet")
    if have is None:
        have = pl.DataFrame(schema={"text": pl.String, **{c: pl.Float64 for c in cols}})
    todo = sorted(set(texts) - set(have["text"]))
    if todo:
        fresh = score_text(todo, model_path).select("text", *[pl.col(c).cast(pl.Float64) for c in cols])
        have = pl.concat([have, fresh]).sort("text")
        entry.write_parquet("text_scores.parquet", have)
    return have.filter(pl.col("text").is_in(texts))


def compute(model_path: str | None = None, progress: Progress | None = None) -> History:
    """Score every release's tasks and build the trajectories (no history cache)."""
    from exposure.embed import embed

    def step(label: str, done: int = 0, total: int = 1) -> None:
        if progress:
            progress(label, done, total)

    tasks = _tasks()
    texts = tasks["task_text"].unique().sort().to_list()
    step("embedding task statements", 0, len(texts))
    X = embed(texts, model_path, (lambda d, n: step("embedding task statements", d, n)) if progress else None)
    vectors = dict(zip(texts, X))
    step("matching reworded tasks")
    pairs = reid_pairs(tasks, vectors)
    ch = chains(tasks, pairs)
    step("scoring task statements")
    q_occ = _q_occupation(model_path)
    scores = text_scores(sorted(set(texts) | set(ch["anchor_text"])), model_path)
    step("aggregating occupations")
    content = _aggregate(ch.unique(["release", "onet_code", "chain"]), scores, "anchor_text", "anchor_weight", q_occ)
    worded = _aggregate(ch, scores, "task_text", "weight", q_occ).select(
        "release", "onet_code", *[pl.col(c).alias(f"{c}_as_worded") for c in cb.CONSTRUCTS]
    )
    changes = interval_changes(ch)
    tech, tech_source = technology_profiles()
    mapping = ch.group_by("onet_code", "release").agg(
        pl.col("published_code").unique().sort().str.join(" ").alias("published_codes"),
        pl.col("mapping").str.split("+").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().str.join("+").alias("mapping"),
    )
    titles = load("occupations", only="onet").select(onet_code="occupation_code", title="title")
    rank = {r: i for i, r in enumerate(ORDER)}
    keep = [f"{c}{s}" for c in cb.CONSTRUCTS for s in ("", "_lo", "_hi")]
    traj = (
        changes.join(content.select("release", "onet_code", *keep), on=["release", "onet_code"], how="left")
        .join(worded, on=["release", "onet_code"], how="left")
        .join(mapping, on=["release", "onet_code"], how="left")
        .join(tech, on=["release", "onet_code"], how="left")
        .join(titles, on="onet_code", how="left")
        .with_columns(
            release_rank=pl.col("release").replace_strict(rank, return_dtype=pl.Int32),
            release_year=pl.col("release").replace_strict({r: release_year(r) for r in ORDER}, return_dtype=pl.Int32),
        )
        .sort("onet_code", "release_rank")
        .with_columns(
            *[(pl.col(c) - pl.col(c).shift(1).over("onet_code")).alias(f"{c}_change") for c in cb.CONSTRUCTS],
            *[(pl.col(f"{c}_as_worded") - pl.col(f"{c}_as_worded").shift(1).over("onet_code")).alias(
                f"{c}_as_worded_change") for c in cb.CONSTRUCTS],
        )
    )
    traj = traj.select(
        "onet_code", "title", "release", "release_year", "published_codes", "mapping", "n_tasks", "latest_date",
        "previous_release", "status", "resurveyed", "content_changed", "n_kept", "n_added", "n_removed",
        "n_reworded", *keep, *[f"{c}_change" for c in cb.CONSTRUCTS],
        *[f"{c}_as_worded" for c in cb.CONSTRUCTS], *[f"{c}_as_worded_change" for c in cb.CONSTRUCTS],
        "n_technology", "n_technology_e_skill", "e_skill_share_technology",
    ).with_columns(pl.col(pl.Float64).round(4))
    occ = summarise(traj, ch)
    chain_out = ch.select(
        "onet_code", "release", "published_code", "task_id", "chain", "task_text", "weight", "date",
        "domain_source", "anchor_text", "anchor_release",
    ).sort("onet_code", "release", "task_id")
    meta = {
        "history": {
            "releases": list(ORDER), "reid_similarity": REID_SIMILARITY, "moved_by": MOVED_BY,
            "screen_construct": SCREEN, "technology_e_skills": tech_source,
            "task_statements": load("history_tasks").height, "task_rows_by_2019_code": tasks.height,
            "distinct_texts": len(texts), "reid_pairs": pairs.height,
        },
    }
    per_text = scores.select("text", *cb.CONSTRUCTS, *[f"sigma_{c}" for c in cb.CODED]).sort("text")
    return History(traj, occ, chain_out, per_text, meta)


def summarise(traj: pl.DataFrame, ch: pl.DataFrame) -> pl.DataFrame:
    """One row per occupation: first and last content scores and their change, the releases
    in which it was re-surveyed, the technology e-skill share, tasks that appeared and left."""
    rank = {r: i for i, r in enumerate(ORDER)}
    first = traj.with_columns(rk=pl.col("release").replace_strict(rank, return_dtype=pl.Int32)).sort(
        "onet_code", "rk").group_by("onet_code", maintain_order=True).first()
    last = traj.filter(pl.col("release") == LAST)
    agg = traj.group_by("onet_code").agg(
        pl.col("release").filter(pl.col("resurveyed").fill_null(False)).str.join(" ").alias("resurveyed_in"),
        pl.col("resurveyed").fill_null(False).sum().alias("n_resurveys"),
        pl.col("content_changed").fill_null(False).sum().alias("n_content_changes"),
        pl.col("release").count().alias("n_releases"),
        # split or merged on the way to O*NET-SOC 2019: the occupation's definition changed
        pl.col("mapping").str.contains("split|merged").any().alias("definition_changed"),
        *[pl.col("e_skill_share_technology").filter(pl.col("release") == r).first().alias(f"e_skill_share_technology_{r}")
          for r in WITH_TECHNOLOGY],
    )
    firsts = first.select("onet_code", "title", first_release=pl.col("release"), first_year=pl.col("release_year"),
                          **{f"{c}_first": pl.col(c) for c in cb.CONSTRUCTS})
    lasts = last.select("onet_code", **{f"{c}_last": pl.col(c) for c in cb.CONSTRUCTS},
                        **{f"{c}_last_lo": pl.col(f"{c}_lo") for c in cb.CONSTRUCTS},
                        **{f"{c}_last_hi": pl.col(f"{c}_hi") for c in cb.CONSTRUCTS})
    gone, came = appeared_disappeared(ch)
    out = (
        firsts.join(lasts, on="onet_code", how="inner").join(agg, on="onet_code", how="left")
        .join(gone, on="onet_code", how="left").join(came, on="onet_code", how="left")
        .with_columns(
            *[(pl.col(f"{c}_last") - pl.col(f"{c}_first")).alias(f"{c}_change") for c in cb.CONSTRUCTS],
            e_skill_share_technology_change=pl.col(f"e_skill_share_technology_{LAST}")
            - pl.col(f"e_skill_share_technology_{WITH_TECHNOLOGY[0]}"),
            n_appeared=pl.col("appeared").list.len().fill_null(0),
            n_disappeared=pl.col("disappeared").list.len().fill_null(0),
        )
    )
    return out.with_columns(
        moved=(pl.col(f"{SCREEN}_change").abs() >= MOVED_BY),
        moved_toward_screen=(pl.col(f"{SCREEN}_change") >= MOVED_BY),
    ).with_columns(pl.col(pl.Float64).round(4)).sort("onet_code")


def appeared_disappeared(ch: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per occupation, the tasks (anchor wording) in its last list but not its first, and in
    its first but not its last: chains, so a reworded task is neither."""
    rank = {r: i for i, r in enumerate(ORDER)}
    df = ch.with_columns(rk=pl.col("release").replace_strict(rank, return_dtype=pl.Int32))
    bounds = df.group_by("onet_code").agg(pl.col("rk").min().alias("lo"), pl.col("rk").max().alias("hi"))
    df = df.join(bounds, on="onet_code")
    first = df.filter(pl.col("rk") == pl.col("lo")).select("onet_code", "chain", first_text="task_text").unique(
        ["onet_code", "chain"])
    last = df.filter((pl.col("rk") == pl.col("hi")) & (pl.col("release") == LAST)).select(
        "onet_code", "chain", last_text="task_text").unique(["onet_code", "chain"])
    came = last.join(first, on=["onet_code", "chain"], how="anti").sort("onet_code", "chain").group_by(
        "onet_code", maintain_order=True).agg(pl.col("last_text").alias("appeared"))
    gone = first.join(last, on=["onet_code", "chain"], how="anti").join(
        last.select("onet_code").unique(), on="onet_code", how="semi").sort("onet_code", "chain").group_by(
        "onet_code", maintain_order=True).agg(pl.col("first_text").alias("disappeared"))
    return gone, came


# --- cache -------------------------------------------------------------------------------


def _entry(model_path: str | None) -> Entry:
    return Entry("history", "history", history_key(model_path))


def history(model_path: str | None = None, rebuild: bool = False, progress: Progress | None = None) -> History:
    """The trajectories, from the cache when nothing they depend on changed."""
    entry = _entry(_context_model(model_path))
    if not rebuild:
        meta = entry.read_json("meta.json")
        frames = {name: entry.read_parquet(f"{name}.parquet") for name in PARTS} if meta is not None else {}
        if meta is not None and all(df is not None for df in frames.values()):
            return History(**frames, meta=meta)
    result = compute(model_path, progress)
    for name in PARTS:
        entry.write_parquet(f"{name}.parquet", getattr(result, name))
    entry.write_json("meta.json", result.meta)  # last: its presence says the entry is complete
    return result
