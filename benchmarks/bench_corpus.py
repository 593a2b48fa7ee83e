"""Scoring a corpus of task texts: throughput of `exposure score-text` against the bare model,
on Ray, with the ONNX backends, and its peak memory as the input grows tenfold.

The corpus: the distinct task statements of every O*NET release in ../shared/data/onet_history/
(13.0 to 25.1) and of 29.2, the ISCO-08 tasks, and ESCO's occupation descriptions and skill
labels. A seeded sample of ``--n`` of them is timed (the whole corpus takes hours on 2 cores).

Targets (issue 13), each measured against a baseline in this run:
- the local engine within 15% of the bare model's texts/s on the same texts;
- Ray Data (2 actors on a local Ray with 2 CPUs) within 25% of the local engine;
- peak memory for 10x the memory sample (a seeded sample of ``--memory-n`` distinct texts,
  not capped by ``--n``), streamed, no more than for 1x; in MiB, the kernel's peak resident size in KiB / 1,024;
- ONNX backends: texts/s beside PyTorch's, and how far the scores move (mean absolute
  difference per construct, task level; with --occupations also occupation level, which
  recomputes every score with each backend's embeddings: about 20 minutes per backend on 2 busy cores).

    python benchmarks/bench_corpus.py [--n 20000] [--memory-n 2000] [--memory-repeats 1]
        [--occupations BACKEND,...] [--no-ray]

At the scale issue 13 names (every one of the 46,090 distinct texts, score-text's default
chunks; the 10x run alone takes about half an hour):

    python benchmarks/bench_corpus.py --n 8192 --memory-n 46090 --memory-chunk-rows 2048

Uses the data folder of the checkout (or $EXPOSURE_DATA_DIR): the scores must be cached
(`exposure build` and one scoring run), since score-text reads the fitted text model from
there. Each measurement runs in its own process. Throughput is steady state (from the first
scored chunk to the last, start-up excluded) and end to end (with start-up).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SHARED = HERE.parent / "shared" / "data"
CHUNK_ROWS = 256  # of the memory runs: many chunks from a small input


def history_tasks(folder: Path) -> list[str]:
    """The distinct task statements of each release in onet_history/ (tab-delimited, UTF-8 or
    Windows-1252), release after release: a statement kept across releases appears once per release."""
    out = []
    for release in sorted(folder.glob("db_*")):
        path = release / "Task Statements.txt"
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        reader = csv.DictReader(text.splitlines(), delimiter="\t")
        out += sorted({row["Task"].strip() for row in reader if row.get("Task")})
    return out


def corpus(shared: Path) -> dict[str, list[str]]:
    import polars as pl

    from taxonomies import load

    tasks = load("tasks")
    occupations = load("occupations")
    skills = load("skills")
    return {
        "O*NET 13.0-25.1 task statements": history_tasks(shared / "onet_history"),
        "O*NET 29.2 task statements": tasks.filter(pl.col("taxonomy") == "onet")["task_text"].to_list(),
        "ISCO-08 tasks": tasks.filter(pl.col("taxonomy") == "isco08")["task_text"].to_list(),
        "ESCO occupation descriptions": occupations.filter(pl.col("taxonomy") == "esco")["description"]
        .drop_nulls().to_list(),
        "ESCO skill labels": skills.filter(pl.col("taxonomy") == "esco")["label"].drop_nulls().to_list(),
    }


STEP = r"""
import json, os, resource, sys, time
step, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
import polars as pl
texts = pl.read_parquet(path)["text"].to_list()
result = {}
if step == "bare":
    from exposure.embed import load_model
    model = load_model()
    t = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    result["seconds"] = time.perf_counter() - t
elif step in ("local", "ray"):
    from exposure.corpus import score_file
    from exposure.scoring.pipeline import text_fit
    t0 = time.perf_counter()
    text_fit()
    from pathlib import Path
    from exposure.corpus import parts_folder
    done = {}
    def progress(label, n, total):  # when each chunk's output was written (before the parts are removed)
        if label.startswith("scoring chunks"):
            for f in parts_folder(Path(out)).glob("*/out-*.parquet"):
                done[f.name] = f.stat().st_mtime
    t1 = time.perf_counter()
    workers = int(sys.argv[5]) if len(sys.argv) > 5 else 2
    score_file(path, out, engine=step, workers=workers, chunk_rows=int(sys.argv[4]), progress=progress)
    t2 = time.perf_counter()
    times = sorted(done.values())
    w = 1 if step == "local" else workers  # steady state: from the w-th chunk written (every worker busy) to the last
    result.update(startup=t1 - t0, seconds=t2 - t1, steady_seconds=times[-1] - times[w - 1],
                  steady_chunks=len(times) - w, chunks=len(times))
elif step == "backends":
    import numpy as np
    from exposure.backends import encode
    from exposure.scoring.codebook import CODED
    from exposure.scoring.pipeline import text_fit
    from exposure.scoring.tasks import score_texts
    fit = text_fit()
    for backend in ("torch", "onnx", "onnx-int8"):
        encode(texts[:64], backend=backend)  # load (and export) before timing
        t = time.perf_counter()
        X = encode(texts, backend=backend)
        seconds = time.perf_counter() - t
        s = score_texts(fit, pl.DataFrame({"row": range(len(texts))}), X)
        result[backend] = {"seconds": seconds, "scores": {c: s[c].to_list() for c in CODED}}
elif step == "occupations":
    backend = sys.argv[4]
    import exposure.scoring.pipeline as pipeline
    from exposure.backends import encode
    if backend != "cached":
        pipeline.embed = lambda texts, model_path=None, progress=None: encode(list(texts), model_path,
                                                                               backend=backend)
        scored = pipeline.compute()
    else:
        scored = pipeline.scores()
    scored.occupations.write_parquet(out + ".occ.parquet")
    scored.tasks.drop("evidence").write_parquet(out + ".tasks.parquet")
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
json.dump(result, open(out + ".json", "w"))
"""


def run_step(step: str, path: Path, out: Path, *extra: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", STEP, step, str(path), str(out), *extra], check=True, env=env,
                   cwd=HERE, stdout=subprocess.DEVNULL)
    return json.loads(Path(str(out) + ".json").read_text())


def peak_of_cli(path: Path, out: Path, chunk_rows: int) -> tuple[float, float]:
    """Seconds and peak resident memory (MiB: the kernel's KiB figure / 1,024) of one `exposure score-text` process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "exposure", "score-text", str(path), "-o", str(out),
                             "--chunk-rows", str(chunk_rows)], env=env, cwd=HERE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"score-text failed on {path}")
    return time.perf_counter() - t, usage.ru_maxrss / 1024


def mad_by_construct(a: dict, b: dict) -> dict[str, float]:
    import numpy as np

    return {c: float(np.mean(np.abs(np.array(a[c]) - np.array(b[c])))) for c in a}


def main() -> None:
    sys.path.insert(0, str(HERE))
    from exposure.corpus import CHUNK_ROWS as CORPUS_CHUNK_ROWS  # score-text's default

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(SHARED), help="the shared data folder (onet_history/)")
    parser.add_argument("--n", type=int, default=20000, help="texts timed (a seeded sample of the corpus)")
    parser.add_argument("--memory-n", type=int, default=2000,
                        help="texts of the 1x memory run: a seeded sample of the distinct texts, not capped by --n "
                        "(10x: repeated); 46090 takes every distinct text of the corpus")
    parser.add_argument("--memory-repeats", type=int, default=1,
                        help="runs of each memory input, alternating 1x and 10x, to show the spread between runs")
    parser.add_argument("--memory-chunk-rows", type=int, default=CHUNK_ROWS, help="chunk size of the memory runs")
    parser.add_argument("--backend-n", type=int, default=5000, help="texts timed per embedding backend")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray measurement")
    parser.add_argument("--occupations", metavar="BACKEND,...", default="",
                        help="also recompute every score with these backends (torch,onnx,onnx-int8) and compare "
                        "task and occupation scores with the cached ones (about 20 minutes each on 2 busy cores)")
    parser.add_argument("--parts", default="throughput,scaling,memory,backends",
                        help="which measurements to run (comma-separated)")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved repeats of the throughput runs")
    parser.add_argument("--chunk-rows", type=int, default=CORPUS_CHUNK_ROWS,
                        help="chunk size of the throughput runs (default: score-text's own)")
    args = parser.parse_args()
    import polars as pl

    parts = corpus(Path(args.shared))
    texts = sorted({t.strip() for ts in parts.values() for t in ts if t and t.strip()})
    print(f"corpus: {sum(map(len, parts.values())):,} texts ({', '.join(f'{k}: {len(v):,}' for k, v in parts.items())}),"
          f" {len(texts):,} of them distinct; the timed samples are drawn from the distinct ones")
    sample = seeded_sample(texts, args.n)
    print(f"timed sample: {len(sample):,} texts; {os.cpu_count()} cores; load average {load()} at the start "
          f"(other work on the machine makes the figures noisy)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "sample.parquet"
        pl.DataFrame({"text": sample}).write_parquet(path)
        run_parts(tmp, path, sample, seeded_sample(texts, args.memory_n), args)
    print(f"load average {load()} at the end")


def seeded_sample(texts: list[str], n: int) -> list[str]:
    """``n`` of the texts (all of them when there are fewer), in a seeded random order."""
    return random.Random(0).sample(texts, min(n, len(texts)))


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg()) + " (1 / 5 / 15 min)"


def run_parts(tmp: Path, path: Path, sample: list[str], memory_sample: list[str], args) -> None:
    if "throughput" in args.parts:
        throughput(tmp, path, sample, args)
    if "scaling" in args.parts:
        scaling(tmp, path, sample, args)
    if "memory" in args.parts:
        memory(tmp, memory_sample, args)
    if "backends" in args.parts:
        backends(tmp, sample, args)
    if args.occupations:
        occupations(tmp, path, args.occupations.split(","))


def throughput(tmp: Path, path: Path, sample: list[str], args) -> None:
    """Bare model, local engine and Ray, interleaved ``--repeats`` times; the best of each
    (the machine is shared, so the fastest run is the least disturbed one)."""
    steps = ["bare", "local"] + ([] if args.no_ray else ["ray"])
    runs: dict[str, list[dict]] = {s: [] for s in steps}
    for rep in range(args.repeats):
        for s in steps:
            out = tmp / f"{s}-{rep}.parquet"
            runs[s].append(run_step(s, path, out, str(args.chunk_rows)))
    n = len(sample)
    bare_rate = max(n / r["seconds"] for r in runs["bare"])
    print(f"bare model (SentenceTransformer.encode, all {n:,} texts in one call): {bare_rate:,.1f} texts/s "
          f"(best of {args.repeats})")
    steady = lambda r: r["steady_chunks"] * args.chunk_rows / r["steady_seconds"]  # noqa: E731
    local_rate = max(steady(r) for r in runs["local"])
    local_e2e = max(n / r["seconds"] for r in runs["local"])
    print(f"local engine: {local_rate:,.1f} texts/s steady ({local_rate / bare_rate:.0%} of the bare model; "
          f"target >= 85%); {local_e2e:,.1f} texts/s end to end ({local_e2e / bare_rate:.0%}; reading, "
          f"splitting, writing included; the text model's {runs['local'][0]['startup']:.1f} s loading excluded)")
    if not args.no_ray:
        ray_rate = max(steady(r) for r in runs["ray"])
        ray_e2e = max(n / r["seconds"] for r in runs["ray"])
        same = all((tmp / f"ray-{i}.parquet").read_bytes() == (tmp / "local-0.parquet").read_bytes()
                   for i in range(args.repeats))
        print(f"Ray engine (2 actors of 1 thread, local Ray with 2 CPUs): {ray_rate:,.1f} texts/s steady "
              f"({ray_rate / local_rate:.0%} of local; target >= 75%); {ray_e2e:,.1f} texts/s end to end "
              f"({ray_e2e / local_e2e:.0%} of local; Ray and actor start-up included); "
              f"output {'byte-identical to' if same else 'DIFFERENT from'} the local engine's")


def scaling(tmp: Path, path: Path, sample: list[str], args) -> None:
    """Ray with 1 and 2 workers (one single-threaded actor each) on the same texts."""
    rates = {}
    for workers in (1, 2):
        r = run_step("ray", path, tmp / f"scaling-{workers}.parquet", str(args.chunk_rows), str(workers))
        rates[workers] = r["steady_chunks"] * args.chunk_rows / r["steady_seconds"]
    print(f"scaling on Ray: 1 worker {rates[1]:,.1f} texts/s, 2 workers {rates[2]:,.1f} texts/s "
          f"({rates[2] / rates[1]:.2f}x; 2.00x would be linear)")


def memory(tmp: Path, sample: list[str], args) -> None:
    """Peak memory of 1x and 10x the sample, each in its own `exposure score-text` process;
    with --memory-repeats R, R of each, alternating, so that the run-to-run spread shows (a
    chunk's peak varies by a few MiB from run to run; docs/corpus.md)."""
    import polars as pl

    one, ten = tmp / "x1.csv", tmp / "x10.csv"
    pl.DataFrame({"text": sample}).write_csv(one)
    pl.DataFrame({"text": sample * 10}).write_csv(ten)
    peaks: dict[int, list[float]] = {1: [], 10: []}
    for run in range(args.memory_repeats):
        for times, path in ((1, one), (10, ten)):
            seconds, peak = peak_of_cli(path, tmp / f"x{times}-{run}.parquet", args.memory_chunk_rows)
            peaks[times].append(peak)
            print(f"peak memory, score-text streamed in chunks of {args.memory_chunk_rows:,}, run {run + 1}: "
                  f"{times}x ({times * len(sample):,} texts) {peak:,.0f} MiB in {seconds:.0f} s", flush=True)
    m1, m10 = max(peaks[1]), max(peaks[10])
    spread = "" if args.memory_repeats == 1 else (
        f" (highest of {args.memory_repeats} runs each; 1x {min(peaks[1]):,.0f}-{m1:,.0f}, "
        f"10x {min(peaks[10]):,.0f}-{m10:,.0f})")
    print(f"peak memory: 1x {m1:,.0f} MiB, 10x {m10:,.0f} MiB{spread}: {m10 / m1:.3f}x; target: no more than 1x")


def backends(tmp: Path, sample: list[str], args) -> None:
    import polars as pl

    bpath = tmp / "backend.parquet"
    pl.DataFrame({"text": sample[: args.backend_n]}).write_parquet(bpath)
    backends = run_step("backends", bpath, tmp / "backends")
    base = backends["torch"]
    for name in ("torch", "onnx", "onnx-int8"):
        r = backends[name]
        rate = args.backend_n / r["seconds"] if args.backend_n <= len(sample) else len(sample) / r["seconds"]
        line = f"backend {name}: {rate:,.1f} texts/s ({base['seconds'] / r['seconds']:.2f}x PyTorch)"
        if name != "torch":
            mad = mad_by_construct(base["scores"], r["scores"])
            line += "; task-level mean |diff| vs PyTorch: " + ", ".join(f"{c} {v:.4f}" for c, v in mad.items())
        print(line)


def occupations(tmp: Path, path: Path, names: list[str]) -> None:
    """Every task and occupation rescored with each backend's embeddings, against the cached
    (PyTorch) scores."""
    import polars as pl

    run_step("occupations", path, tmp / "cached", "cached")
    ref = pl.read_parquet(str(tmp / "cached") + ".occ.parquet")
    ref_tasks = pl.read_parquet(str(tmp / "cached") + ".tasks.parquet")
    for name in names:
        run_step("occupations", path, tmp / name, name)
        occ = pl.read_parquet(str(tmp / name) + ".occ.parquet")
        tasks = pl.read_parquet(str(tmp / name) + ".tasks.parquet")
        for level, a, b, key in (("task", ref_tasks, tasks, ["taxonomy", "task_id"]),
                                 ("occupation", ref, occ, ["taxonomy", "occupation_code"])):
            from exposure.scoring.codebook import CONSTRUCTS

            j = a.join(b, on=key, suffix="_new")
            diffs = {c: (j[c] - j[f"{c}_new"]).abs() for c in CONSTRUCTS}
            print(f"{name} vs cached scores, {level} level ({j.height:,} rows): "
                  + ", ".join(f"{c} mean {d.mean():.4f} max {d.max():.4f}" for c, d in diffs.items()))


if __name__ == "__main__":
    main()
