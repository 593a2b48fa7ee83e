"""Time the scoring of every O*NET and ISCO-08 task, against the bare model's embedding time.

Targets (issue 3):
- cold scoring (empty embedding cache) adds less than 25% to the time the bare model takes
  to embed the same texts on the same machine, measured in this run;
- warm rebuild of all scores (embeddings cached) under 15 s;
- peak memory under 3 GB.

    python benchmarks/bench_scoring.py [--from ../shared/data]

Runs in a temporary data folder; prints one line per figure.
"""

from __future__ import annotations

import os
import subprocess
import sys

from common import fresh_data_folder

STEP = """
import os, resource, sys, time

from exposure.embed import encode, load_model
from exposure.scoring.pipeline import scores
from taxonomies import load
step = sys.argv[1]
texts = load("tasks")["task_text"].to_list()
load_model()  # both timings exclude loading the model
t = time.perf_counter()
if step == "bare":
    encode(list(dict.fromkeys(texts)))
else:
    scores(rebuild=True)
print(f"{time.perf_counter() - t:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""


def step(name: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", STEP, name], capture_output=True, text=True, check=True)
    seconds, peak_mb = out.stdout.split()[-2:]
    return float(seconds), float(peak_mb)


def main() -> None:
    with fresh_data_folder(__doc__.splitlines()[0]) as source:
        from taxonomies import build_all, load, releases

        releases.import_from(source)
        build_all()
        n = load("tasks")["task_text"].n_unique()
        bare, bare_mb = step("bare")
        cold, cold_mb = step("cold")
        warm, warm_mb = step("warm")
        overhead = (cold - bare) / bare
        print(f"texts: {n:,} distinct O*NET + ISCO-08 task statements, {os.cpu_count()} cores")
        print(f"bare model embedding:            {bare:7.1f} s")
        print(f"cold scoring (embeds + model):   {cold:7.1f} s  overhead {overhead:+.1%} (target < +25%)")
        print(f"warm rebuild of all scores:      {warm:7.1f} s  (target < 15 s)")
        print(f"peak memory (max RSS):           {max(bare_mb, cold_mb, warm_mb):7.0f} MiB (target < 3072 MiB)")


if __name__ == "__main__":
    main()
