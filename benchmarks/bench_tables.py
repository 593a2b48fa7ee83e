"""Time the data layer: cold import + build of every table, then a cached reload.

Targets (issue 2): cold import of all taxonomies under 60 s; cached reload under 3 s.

    python benchmarks/bench_tables.py [--from ../shared/data]

Runs in a temporary data folder; prints one line per figure.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import fresh_data_folder

RELOAD = """
import time

t = time.perf_counter()
from taxonomies import TABLES, load
rows = sum(load(name).height for name in TABLES)
print(f"{time.perf_counter() - t:.3f} {rows}")
"""


def main() -> None:
    with fresh_data_folder(__doc__.splitlines()[0]) as source:
        from taxonomies import build_all, releases

        t0 = time.perf_counter()
        releases.import_from(source)
        t1 = time.perf_counter()
        tables = build_all()
        t2 = time.perf_counter()
        rows = sum(df.height for df in tables.values())
        print(f"import (verify + copy {sum(len(r.files) for r in releases.select())} files): {t1 - t0:6.2f} s")
        print(f"build {len(tables)} tables, {rows:,} rows, from raw:        {t2 - t1:6.2f} s")
        print(f"cold total:                                       {t2 - t0:6.2f} s  (target < 60 s)")

        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", RELOAD], capture_output=True, text=True, check=True)
            wall = time.perf_counter() - t
            inner = float(res.stdout.split()[0])
            best = min(best, wall)
        print(f"cached reload, fresh process (load all tables):   {best:6.2f} s  (target < 3 s; in-process {inner:.2f} s)")


if __name__ == "__main__":
    main()
