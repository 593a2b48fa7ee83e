"""The registry of canonical tables: which loader builds which part from which releases.

A table is the concatenation of its parts (one per taxonomy, or per crosswalk family).
Each part is cached as Parquet in the one disk cache (:mod:`taxonomies.cache`, kind
``tables``), keyed by the pinned checksums of the releases it reads and by the source of
the whole ``taxonomies`` package, so a new release rebuilds the parts that read it and a
changed loader rebuilds every part. The releases a part reads are verified (cheaply, by
their remembered checksums) before its cached copy is trusted, so a damaged release is an
error, never a silently stale table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from taxonomies import benchmarks, crosswalks, employment, esco, isco08, onet, onet_history, sources
from taxonomies.base import InputError
from taxonomies.cache import Entry, make_key, source_digest
from taxonomies.releases import releases
from taxonomies.schemas import SCHEMAS, conform


@dataclass(frozen=True)
class Part:
    table: str
    name: str
    releases: tuple[str, ...]
    build: Callable[[], pl.DataFrame]


PARTS: tuple[Part, ...] = (
    Part("occupations", "onet", ("onet",), onet.occupations),
    Part("occupations", "isco08", ("isco08",), isco08.occupations),
    Part("occupations", "esco", ("esco",), esco.occupations),
    Part("tasks", "onet", ("onet",), onet.tasks),
    Part("tasks", "isco08", ("isco08",), isco08.tasks),
    Part("task_activities", "onet", ("onet",), onet.task_activities),
    Part("isco08_groups", "isco08", ("isco08",), isco08.groups),
    Part("skills", "onet", ("onet",), onet.skills),
    Part("skills", "esco", ("esco",), esco.skills),
    Part("occupation_skills", "onet", ("onet",), onet.occupation_skills),
    Part("occupation_skills", "esco", ("esco",), esco.occupation_skills),
    Part("crosswalk", "soc", ("soc_crosswalks",), crosswalks.soc),
    Part("crosswalk", "esco", ("esco", "nesta_crosswalk", "soc_crosswalks"), crosswalks.esco),
    Part("employment_us", "oews", ("oews",), employment.oews),
    Part("employment_ilostat", "ilostat", ("ilostat",), employment.ilostat),
    *(Part(*p) for p in onet_history.parts()),
    Part("telework", "dingel_neiman", ("dingel_neiman",), benchmarks.telework),
)

TABLES: tuple[str, ...] = tuple(dict.fromkeys(p.table for p in PARTS))


def cache_key(part: Part) -> str:
    """Hash of the pinned files the part reads, its declared schema and its loader code
    (the whole ``taxonomies`` package)."""
    return make_key(
        part=[part.table, part.name],
        files=[[f.path, f.sha256] for r in part.releases for f in releases()[r].files],
        schema={c: str(t) for c, t in SCHEMAS[part.table].items()},
        code=source_digest("taxonomies"),
    )


def _entry(part: Part) -> Entry:
    return Entry("tables", f"{part.table}.{part.name}", cache_key(part))


def parts_of(table: str) -> list[Part]:
    if table not in TABLES:
        raise InputError(f"unknown table {table!r}; known tables: {', '.join(TABLES)}")
    return [p for p in PARTS if p.table == table]


def load_part(part: Part) -> pl.DataFrame:
    """One part: its releases verified, then read from the cache or built."""
    for release in part.releases:
        sources.verify(release)
    entry = _entry(part)
    df = entry.read_parquet("table.parquet")
    if df is None:
        df = conform(part.build(), part.table)
        entry.write_parquet("table.parquet", df)
    return df


def load(table: str, only: str | None = None) -> pl.DataFrame:
    """A canonical table, built from the verified releases or read from the cache.

    ``only`` restricts to one part (e.g. ``load("tasks", only="onet")``).

    >>> load("occupations").filter(pl.col("taxonomy") == "isco08").height  # doctest: +SKIP
    436
    """
    parts = [p for p in parts_of(table) if only is None or p.name == only]
    if not parts:
        names = ", ".join(p.name for p in parts_of(table))
        raise InputError(f"table {table!r} has no part {only!r}; it has: {names}")
    frames = [load_part(p) for p in parts]
    return conform(pl.concat(frames), table) if len(frames) > 1 else frames[0]


def build_all(progress: Callable[[Part], None] | None = None) -> dict[str, pl.DataFrame]:
    """Every canonical table (building the parts that are not cached)."""
    frames: dict[str, list[pl.DataFrame]] = {}
    for part in PARTS:
        frames.setdefault(part.table, []).append(load_part(part))
        if progress:
            progress(part)
    return {t: conform(pl.concat(f), t) if len(f) > 1 else f[0] for t, f in frames.items()}
