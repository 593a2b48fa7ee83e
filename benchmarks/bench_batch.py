"""Time batch scoring of 10,000 free-text job titles and the adviser lookup.

Targets (issue 5): 10,000 free-text titles scored in under 30 s warm; `exposure lookup`
under 2 s end to end from a warm cache.

The titles are 10,000 distinct ESCO alternative labels (real job titles people use, most
of them not O*NET titles, so most need the embedding matcher), matched against O*NET.
"first run" and "warm" run the same command twice (the O*NET title index cached; the first
run embeds the query titles unless an earlier run did). The bare model's time to embed
the 10,000 titles is printed too: it is what a batch of never-seen titles adds once. Uses the
data folder of the checkout (or $EXPOSURE_DATA_DIR): run `exposure run` first.

    python benchmarks/bench_batch.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

N_TITLES = 10_000


def timed(args: list[str], stdin: bytes | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(args, input=stdin, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    from exposure.embed import encode, load_model
    from exposure.match import title_index
    from taxonomies import load

    esco = load("occupations", only="esco")
    titles = (esco.select(pl.col("alternate_titles").list.explode()).to_series().drop_nulls().unique()
              .sort().head(N_TITLES).to_list())
    title_index("onet").vectors  # the O*NET title index, embedded once and cached
    exe = [sys.executable, "-m", "exposure"]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "titles.txt"
        src.write_text("\n".join(titles) + "\n", encoding="utf-8")
        first = timed([*exe, "score", str(src), "--list", "-o", f"{tmp}/a.csv"])
        warm = timed([*exe, "score", str(src), "--list", "-o", f"{tmp}/b.csv"])
        status = pl.read_csv(f"{tmp}/b.csv", infer_schema=False)["match_status"].value_counts().sort("match_status")
    lookups = {q: min(timed([*exe, "lookup", q, "--json"]) for _ in range(3))
               for q in ("43-9021.00", "Roofer", "2654.1.7", "data entry operator")}
    print(f"{len(titles):,} free-text titles (ESCO alternative labels) against O*NET:")
    load_model()
    t = time.perf_counter()
    encode(titles)
    bare = time.perf_counter() - t
    print(f"  first run:                                         {first:6.1f} s")
    print(f"  warm (same titles again):                          {warm:6.1f} s  (target < 30 s)")
    print(f"  bare model embedding of the 10,000 titles:         {bare:6.1f} s  (added once for never-seen titles)")
    print("  " + ", ".join(f"{n:,} {s}" for s, n in status.rows()))
    for q, t in lookups.items():
        print(f"exposure lookup {q!r:24} {t:5.2f} s  (target < 2 s)")


if __name__ == "__main__":
    main()
