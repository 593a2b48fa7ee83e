"""Time the history build: 14 O*NET releases (13.0 ... 25.1, 29.2), about 270,000 task
statements, against the bare model's embedding time of the distinct new texts.

Targets (issue 8):
- cold build (embedding cache without the earlier releases' texts) is bound by embedding the
  distinct new texts: printed beside the bare model's time for those texts, measured in
  this run;
- warm build (embeddings cached, trajectories recomputed) under 30 s;
- peak memory printed for every step.

    python benchmarks/bench_history.py [--from ../shared/data]

Runs in a temporary data folder. The current scores (which the history's text model comes
from) are computed first, with the embeddings of the current task texts copied from the
developer's cache when there are any, so that "cold" is the history's own work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from common import fresh_data_folder

STEP = """
import resource, sys, time

import polars as pl

from exposure.embed import encode, load_model
from taxonomies import load

step = sys.argv[1]
current = set(load("tasks")["task_text"])
texts = load("history_tasks")["task_text"].unique().sort().to_list()
new = [t for t in texts if t not in current]
t = time.perf_counter()
if step == "prepare":
    from exposure.scoring.pipeline import scores

    scores()
elif step == "bare":
    load_model()
    t = time.perf_counter()  # the bare time excludes loading the model
    encode(new)
else:
    from exposure.history.trajectories import history

    history(rebuild=step != "cached")
print(f"{time.perf_counter() - t:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
      f"{len(texts)} {len(new)} {load('history_tasks').height}")
"""


def step(name: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", STEP, name], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"step {name} failed:\n{out.stderr[-2000:]}")
    return [float(x) for x in out.stdout.split()[-5:]]


def seed_embeddings(developer_cache: Path, target: Path, keep: set[str]) -> int:
    """Copy the developer's cached vectors of the current task texts only."""
    import polars as pl

    n = 0
    for shard in sorted(developer_cache.glob("*/shard-*.parquet")):
        df = pl.read_parquet(shard).filter(pl.col("key").is_in(sorted(keep)))
        if df.height:
            out = target / shard.parent.name / shard.name
            out.parent.mkdir(parents=True, exist_ok=True)
            df.write_parquet(out, statistics=False)
            n += df.height
    return n


def main() -> None:
    from exposure.config import cache_dir

    developer = cache_dir() / "embeddings"  # the developer's data folder, before the temporary one
    with fresh_data_folder(__doc__.splitlines()[0]) as source:
        from exposure.embed import text_key
        from taxonomies import build_all, load, releases

        releases.import_from(source)
        build_all()
        current = {text_key(t) for t in load("tasks")["task_text"]}
        current |= {text_key(f"{t}. {d or ''}") for t, d in load("occupations", only="onet").select(
            "title", "description").iter_rows()}
        seeded = seed_embeddings(developer, cache_dir() / "embeddings", current) if developer.is_dir() else 0
        prep, prep_mb, *_ = step("prepare")
        bare, bare_mb, n_texts, n_new, n_rows = step("bare")
        cold, cold_mb, *_ = step("cold")
        warm, warm_mb, *_ = step("warm")
        cached, cached_mb, *_ = step("cached")
        print(f"releases: 14 (13.0 ... 25.1, 29.2); {int(n_rows):,} task statements, {int(n_texts):,} distinct "
              f"texts, {int(n_new):,} not among the current tasks; {os.cpu_count()} cores")
        print(f"(current scores first: {prep:.1f} s, {seeded:,} cached vectors copied in)")
        print(f"bare model embedding of the new texts: {bare:7.1f} s  peak {bare_mb:,.0f} MiB")
        print(f"cold history build:                    {cold:7.1f} s  peak {cold_mb:,.0f} MiB  "
              f"({cold / bare:.2f} x the bare embedding time)")
        print(f"warm history build (recomputed):       {warm:7.1f} s  peak {warm_mb:,.0f} MiB  (target < 30 s)")
        print(f"cached history (read back):            {cached:7.1f} s  peak {cached_mb:,.0f} MiB")
        shutil.rmtree(cache_dir(), ignore_errors=True)


if __name__ == "__main__":
    main()
