"""Time building the occupation <-> skill graph and every measure, for ESCO and O*NET.

Target (issue 4): the graph with all measures (skill table with e-skills and betweenness,
identity table, boundaries) builds in under 60 s and 4 GB, for each taxonomy.

    python benchmarks/bench_graph.py [--data DIR]

Uses the canonical tables, scores and embeddings already in the data folder (``--data``,
default ``$EXPOSURE_DATA_DIR`` or ``data/``) through symlinks in a temporary data folder
whose graph cache starts empty, so nothing cached in the real folder is removed. Each step
runs in a fresh process; peak memory is that process's maximum RSS. Prints one line per
figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = """
import resource, sys, time
t0 = time.perf_counter()
from exposure.graph import api
taxonomy, step = sys.argv[1], sys.argv[2]
if step == "neighbours":
    code = {"esco": "2512.4", "onet": "15-1252.00"}[taxonomy]
    t = time.perf_counter()
    api.neighbours(taxonomy, code, 10)
    out = {"neighbours": time.perf_counter() - t}
else:
    out = api.timed_build(taxonomy)
G = api.base_graph(taxonomy)
n_occ = sum(1 for _, b in G.nodes(data="bipartite") if b == 0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(*[f"{k}={v:.2f}" for k, v in out.items()], f"process={time.perf_counter() - t0:.2f}", f"rss={rss:.0f}",
      f"occupations={n_occ}", f"skills={G.number_of_nodes() - n_occ}", f"edges={G.number_of_edges()}")
"""


def step(taxonomy: str, name: str, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", STEP, taxonomy, name], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(f"{taxonomy} {name} failed:\n{done.stderr[-2000:]}")
    return {k: float(v) for k, v in (item.split("=") for item in done.stdout.split())}


def shadow(data: Path, folder: Path) -> None:
    """A data folder sharing raw releases, tables, scores and embeddings, not the graph cache."""
    (folder / "cache").mkdir(parents=True)
    (folder / "raw").symlink_to(data / "raw", target_is_directory=True)
    for name in ("tables", "scores", "embeddings"):
        (data / "cache" / name).mkdir(parents=True, exist_ok=True)
        (folder / "cache" / name).symlink_to(data / "cache" / name, target_is_directory=True)


def main() -> None:
    from exposure.config import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir(), help="The data folder to read from.")
    args = parser.parse_args()
    print(f"data: {args.data.resolve()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        shadow(args.data.resolve(), Path(tmp))
        env = {**os.environ, "EXPOSURE_DATA_DIR": tmp}
        for taxonomy in ("esco", "onet"):
            cold = step(taxonomy, "build", env)
            warm = step(taxonomy, "build", env)
            near = step(taxonomy, "neighbours", env)
            total = cold["graph"] + cold["measures"]
            print(f"{taxonomy}: {cold['occupations']:,.0f} occupations, {cold['skills']:,.0f} skill nodes, "
                  f"{cold['edges']:,.0f} edges")
            print(f"  build graph (tables + scores -> networkx):  {cold['graph']:6.1f} s")
            print(f"  measures (e-skills, betweenness, identity, boundaries): {cold['measures']:6.1f} s")
            print(f"  graph + measures, cold graph cache:        {total:6.1f} s (target < 60 s); "
                  f"process {cold['process']:.1f} s")
            print(f"  peak memory (max RSS):                     {cold['rss']:6.0f} MiB (target < 4096 MiB)")
            print(f"  cached rebuild, fresh process:             {warm['graph'] + warm['measures']:6.1f} s")
            print(f"  first neighbours query (task vectors):     {near['neighbours']:6.1f} s, "
                  f"peak {near['rss']:.0f} MiB")


if __name__ == "__main__":
    main()
