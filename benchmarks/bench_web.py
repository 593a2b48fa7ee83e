"""Time the web explorer: warm page latency and a bounded load test on 127.0.0.1.

Starts `exposure serve --port 0` on the checkout's data folder (or $EXPOSURE_DATA_DIR; run
`exposure run` first so that the caches are warm) and prints:

1. Latency, median and 95th percentile, one request at a time, on the warm server:
   - the occupation page of 60 occupations (20 per taxonomy, drawn with a fixed seed),
     each opened for the first time (the lookup is computed), then once more (served from
     the explorer's lookup cache). Target: under 300 ms.
   - search as you type: /api/search for every prefix (2 characters and more) of 15 job
     titles, as a person types them; every prefix is new to the server. Target: under 100 ms.
   Baseline measured in the same run: the same library calls in this process
   (exposure.lookup.lookup and exposure.match.resolve for the three taxonomies), so the
   difference is what the web layer adds.
2. Load: ``--clients`` concurrent clients (default 20) for ``--duration`` seconds (default
   60), each looping over a mix of occupation pages, searches and explore pages. Prints
   requests, errors (any status other than 200, or a failed connection) and throughput.

The client runs on the same 2-core machine as the server (and as everyone else's work):
the figures are for a busy shared machine.

    python benchmarks/bench_web.py                 # the full run (~3 minutes)
    python benchmarks/bench_web.py --duration 10   # a shorter load test
"""

from __future__ import annotations

import argparse
import asyncio
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SEED = 20240531
TYPED = ("data entry clerk", "registered nurse", "software developer", "accountant", "truck driver",
         "call centre agent", "graphic designer", "plumber", "medical secretary", "web developer",
         "bookkeeper", "translator", "electrician", "payroll clerk", "teacher")


def start_server() -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "exposure", "serve", "--port", "0"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    t = time.perf_counter()
    while True:
        line = lines.get(timeout=1800)
        m = re.match(r"exposure explorer: (http://\S+?)/ ", line)
        if m:
            print(f"server started and warmed in {time.perf_counter() - t:.1f} s")
            return proc, m.group(1)


def stats(ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   (n={len(ms)})"


def timed_get(client: httpx.Client, url: str, params: dict | None = None) -> float:
    t = time.perf_counter()
    r = client.get(url, params=params)
    elapsed = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{url} {params}: HTTP {r.status_code}")
    return elapsed


def sample_codes() -> list[tuple[str, str]]:
    import polars as pl

    from exposure.scoring.pipeline import scores

    occ = scores().occupations
    rng = random.Random(SEED)
    out = []
    for taxonomy in ("onet", "isco08", "esco"):
        codes = sorted(occ.filter(pl.col("taxonomy") == taxonomy)["occupation_code"])
        out += [(taxonomy, c) for c in rng.sample(codes, 20)]
    return out


def prefixes() -> list[str]:
    return [t[:n] for t in TYPED for n in range(2, len(t) + 1)]


def latency(base: str, codes: list[tuple[str, str]]) -> None:
    with httpx.Client(base_url=base, timeout=60) as client:
        first = [timed_get(client, f"/occupation/{t}/{c}") for t, c in codes]
        again = [timed_get(client, f"/occupation/{t}/{c}") for t, c in codes]
        typed = [timed_get(client, "/api/search", {"q": q}) for q in prefixes()]
        static = [timed_get(client, "/static/style.css") for _ in range(50)]
    print("\nLatency on the warm server, one request at a time:")
    print(f"  occupation page, first view:    {stats(first)}   (target < 300 ms)")
    print(f"  occupation page, viewed again:  {stats(again)}")
    print(f"  search as you type (3 taxonomies): {stats(typed)}   (target < 100 ms)")
    print(f"  a static file (server floor):   {stats(static)}")


def baseline(codes: list[tuple[str, str]]) -> None:
    """The library calls behind those pages, in this process."""
    from exposure.embed import unsaved
    from exposure.lookup import lookup
    from exposure.match import resolve, title_index
    from exposure.scoring.pipeline import scores

    s = scores()
    for tax in ("onet", "isco08", "esco"):
        _ = title_index(tax).vectors
    lookup("43-9021.00", s)
    resolve(["warm up"], "onet")
    looked, searched = [], []
    for t, c in codes:
        start = time.perf_counter()
        lookup(c, s, t)
        looked.append((time.perf_counter() - start) * 1000)
    with unsaved():
        for q in prefixes():
            start = time.perf_counter()
            for tax in ("onet", "isco08", "esco"):
                resolve([q], tax)  # embedded here afresh: unsaved() keeps query vectors off the disk
            searched.append((time.perf_counter() - start) * 1000)
    print("Baseline, the same library calls in this process:")
    print(f"  exposure.lookup.lookup:         {stats(looked)}")
    print(f"  exposure.match.resolve x 3:     {stats(searched)}")


async def load(base: str, codes: list[tuple[str, str]], clients: int, duration: float) -> None:
    words = prefixes()
    urls = ([f"/occupation/{t}/{c}" for t, c in codes] + [f"/api/occupations/{t}/{c}" for t, c in codes]
            + [f"/search?q={q}" for q in words] + [f"/api/search?q={q}" for q in words]
            + ["/explore/onet?sort=offshorability&desc=1", "/explore/esco?q=clerk", "/api/occupations/isco08",
               "/compare?a=onet:43-9021.00&b=onet:43-4051.00", "/"])
    done, errors, ms = 0, [], []
    stop = time.perf_counter() + duration

    async def client(i: int) -> None:
        nonlocal done
        order = urls[:]
        random.Random(SEED + i).shuffle(order)
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            k = 0
            while time.perf_counter() < stop:
                url = order[k % len(order)]
                k += 1
                t = time.perf_counter()
                try:
                    r = await c.get(url)
                    if r.status_code != 200:
                        errors.append(f"{url}: HTTP {r.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{url}: {type(exc).__name__}")
                ms.append((time.perf_counter() - t) * 1000)
                done += 1

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - start
    print(f"\nLoad: {clients} concurrent clients for {duration:.0f} s on 127.0.0.1 (pages, searches, explore, compare):")
    print(f"  requests: {done:,}   errors: {len(errors)}   throughput: {done / elapsed:.1f} requests/s")
    print(f"  latency under load: {stats(ms)}")
    for e in errors[:5]:
        print(f"  error: {e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    print("Measured on this 2-core machine, shared with other work: figures vary with its load.")
    codes = sample_codes()
    proc, base = start_server()
    try:
        latency(base, codes)
        asyncio.run(load(base, codes, args.clients, args.duration))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    print()
    baseline(codes)


if __name__ == "__main__":
    main()
