"""Scoring a corpus of task texts in bounded memory: read in chunks, score, write, combine.

:func:`score_file` reads a CSV/TSV, JSON Lines or Parquet file (or standard input) one
chunk of rows at a time and gives every input row one output row, in input order:

- ``row`` (0-based position among the input's records), ``text`` (the input text as read),
- ``status``: ``ok`` (scored), ``empty``, ``binary`` (not UTF-8 text, or full of control
  characters), ``too_long`` (over ``max_chars`` characters), ``missing`` (the record has no
  text field) or ``unreadable`` (a malformed JSON line or CSV record), and ``problem`` (one
  line saying why, for every status but ``ok``),
- for ``ok`` rows, the scores of :func:`exposure.scoring.pipeline.score_text` (each
  construct with its 90% interval, and the nearest coded tasks as ``evidence``); other rows
  have nulls there. Bad rows never stop the run.

The work happens in a parts folder beside the output, ``.<output name>.parts/<key>/``, where
the key hashes the input's bytes and everything that changes a score (the score cache key,
the backend, the chunk size, the text limit). The input is first split into ``in-N.parquet``
chunks (``split.json`` marks the split as complete), then each chunk is scored to
``out-N.parquet``. Every file is written atomically, so a rerun after an interruption skips
the chunks already scored. At the end the chunks are combined into the output, whose
manifest (with the output's SHA-256) is in place before the output appears, and the parts
folder is removed.

Memory stays bounded: one chunk of input and its embeddings at a time (per worker), plus the
fitted text model. The embedding cache is bypassed: a corpus's vectors are used once, and
the cache holds every vector it has seen in memory. After a chunk is embedded, and again
after it is written, the heap's free pages go back to the system (:func:`release_memory`):
without that, glibc's allocator kept the fragments of each chunk's tensors and the resident
size crept up chunk after chunk. Blocks of 16 MiB or more get their own mappings
(:func:`bounded_heap`), so that what a batch takes does not depend on the batches before it;
a batch holds at most ``MAX_BATCH_TOKENS`` padded word pieces, so that it does not depend
on how long the chunk's texts are either; and embedding runs in one long-lived thread of its
own (:func:`embed_apart`), tokenizing included, so that its activations come and go in a heap
that holds nothing else, where oneDNN keeps only a few of the kernels it compiles for each
shape of batch (:func:`bounded_heap`).

Engines: ``local`` scores the chunks in this process; ``ray`` scores them on Ray Data
(``map_batches`` over chunk files with an actor pool, each actor holding the model), on a
local Ray started here or on a cluster (``address``). The scoring function and the chunks
are the same, so the output is byte-identical.
"""

from __future__ import annotations

import concurrent.futures
import csv
import functools
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from exposure.errors import InputError
from exposure.io import atomic_path, csv_safe, write_bytes
from exposure.scoring.pipeline import Progress
from taxonomies.base import sha256_file

CHUNK_ROWS = 2048
MAX_CHARS = 2000
MAX_BATCH_TOKENS = 1024  # padded word pieces per embedding batch: 4 texts of 256, 16 of 64, or 64 of 16
MAX_RECORD_BYTES = 1 << 20  # a JSON line or CSV field longer than this is not read into memory whole
STATUSES = ("ok", "empty", "binary", "too_long", "missing", "unreadable")
TEXT_COLUMNS = ("text", "task_text", "task", "sentence", "description")  # tried in order when no column is given
INPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet")
OUTPUT_FORMATS = ("parquet", "csv")
ENGINES = ("local", "ray")
VERSION = "1"  # of the parts layout; part of the key

_BAD_UTF8 = re.compile("[\udc80-\udcff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- input --------------------------------------------------------------------------------


@dataclass
class Source:
    """One input file: where it is, its format, the text column, a hash of its bytes."""

    path: Path
    name: str
    fmt: str  # csv, tsv, jsonl, parquet
    column: str
    sha256: str
    size: int
    spooled: bool = False  # a copy of standard input, removed when done

    def close(self) -> None:
        if self.spooled:
            self.path.unlink(missing_ok=True)


def _sniff_format(path: Path) -> str:
    suffix = path.suffix.lower()
    known = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
             ".parquet": "parquet", ".pq": "parquet"}
    if suffix in known:
        return known[suffix]
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def open_source(source: str | Path, column: str | None = None, fmt: str | None = None,
                spool_dir: Path | None = None) -> Source:
    """Check the input and find its text column. ``-`` is standard input, copied (in
    blocks) to a file in ``spool_dir`` first, since Parquet needs to seek and a rerun must
    see the same bytes to resume."""
    spooled = str(source) == "-"
    if spooled:
        spool_dir = Path(spool_dir or tempfile.gettempdir())
        spool_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=spool_dir, prefix=".stdin-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh, 1 << 20)
        path, name = Path(tmp), "standard input"
    else:
        path, name = Path(source), str(source)
        if not path.is_file():
            raise InputError(f"no such file: {path}")
    try:
        size = path.stat().st_size
        if size == 0:
            raise InputError(f"{name} is empty")
        fmt = fmt or _sniff_format(path)
        if fmt not in INPUT_FORMATS:
            raise InputError(f"the input format must be one of {', '.join(INPUT_FORMATS)}; got {fmt!r}")
        columns = _columns(path, name, fmt)
        chosen = _choose_column(columns, column, name)
        return Source(path, name, fmt, chosen, sha256_file(path), size, spooled)
    except BaseException:
        if spooled:
            path.unlink(missing_ok=True)
        raise


def _columns(path: Path, name: str, fmt: str) -> list[str]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).schema_arrow.names
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            raise InputError(f"{name} is not a readable Parquet file ({exc})") from None
    if fmt == "jsonl":
        with path.open("rb") as fh:
            for line in _lines(fh):
                if line.strip():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        raise InputError(f"{name}: the first record is not JSON; give JSON Lines, one object a line") from None
                    if not isinstance(record, dict):
                        raise InputError(f"{name}: the first record is not a JSON object")
                    return list(record)
        raise InputError(f"{name} has no records")
    with _text(path) as fh:
        header = next(csv.reader(fh, delimiter=_delimiter(path, fmt)), None)
    if not header:
        raise InputError(f"{name} has no header row")
    return [h.strip() for h in header]


def _choose_column(columns: list[str], column: str | None, name: str) -> str:
    if column is not None:
        if column not in columns:
            raise InputError(f"{name}: no column {column!r}; columns: {', '.join(columns)}")
        return column
    if len(columns) == 1:
        return columns[0]
    lower = {c.lower(): c for c in columns}
    for hint in TEXT_COLUMNS:
        if hint in lower:
            return lower[hint]
    raise InputError(f"{name}: which column holds the texts? Use --column; columns: {', '.join(columns)}")


def _delimiter(path: Path, fmt: str) -> str:
    if fmt == "tsv":
        return "\t"
    with _text(path) as fh:
        first = fh.readline(MAX_RECORD_BYTES)
    counts = {d: first.count(d) for d in ("\t", ";", ",")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _text(path: Path) -> io.TextIOWrapper:
    # invalid UTF-8 survives as lone surrogates, so that such a row is reported, not fatal
    return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")


def _lines(fh) -> Iterator[bytes]:
    """Lines of a binary file; a line longer than MAX_RECORD_BYTES comes back as None (and
    is skipped to its end without being held in memory)."""
    while True:
        line = fh.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while True:
                rest = fh.readline(MAX_RECORD_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
        else:
            yield line


class _Bad:
    """A record that could not be read: its status and why."""

    def __init__(self, status: str, problem: str):
        self.status, self.problem = status, problem


def _records(src: Source, batch_rows: int) -> Iterator[tuple[int, Any]]:
    """(bytes read so far, raw value) for each record: a str, bytes, None or a _Bad."""
    if src.fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(src.path)
        done = 0
        for batch in pf.iter_batches(batch_size=batch_rows, columns=[src.column]):
            col = batch.column(0)
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
                    or pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type)):
                col = col.cast(pa.string())
            done += batch.num_rows
            position = int(src.size * done / max(pf.metadata.num_rows, 1))
            for value in col.to_pylist():
                yield position, value
        return
    if src.fmt == "jsonl":
        with src.path.open("rb") as fh:
            for line in _lines(fh):
                position = fh.tell()
                if line is None:
                    yield position, _Bad("too_long", f"the record is longer than {MAX_RECORD_BYTES:,} bytes")
                    continue
                if not line.strip():
                    continue  # a blank line is no record
                try:
                    record = json.loads(line)
                except UnicodeDecodeError:
                    yield position, _Bad("binary", "the line is not UTF-8 text")
                    continue
                except ValueError as exc:
                    yield position, _Bad("unreadable", f"not a JSON object ({exc})")
                    continue
                if not isinstance(record, dict):
                    yield position, _Bad("unreadable", "the line is JSON but not an object")
                elif src.column not in record:
                    yield position, _Bad("missing", f"the record has no field {src.column!r}")
                else:
                    value = record[src.column]
                    yield position, value if value is None or isinstance(value, str) else json.dumps(value)
        return
    csv.field_size_limit(MAX_RECORD_BYTES)
    delimiter = _delimiter(src.path, src.fmt)
    with open(src.path, "rb") as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(fh, delimiter=delimiter)
        header = [h.strip() for h in next(reader)]
        index = header.index(src.column)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield raw.tell(), _Bad("unreadable", f"not a CSV record ({exc})")
                continue
            if not row:
                continue  # a blank line is no record
            position = raw.tell()  # the underlying file's position: read ahead by a buffer, good enough for progress
            yield position, row[index] if index < len(row) else _Bad("missing", f"the record has no {src.column!r} cell")


def classify(value: Any, max_chars: int = MAX_CHARS) -> tuple[str | None, str, str | None]:
    """(text as kept, status, problem) of one raw value."""
    if isinstance(value, _Bad):
        return None, value.status, value.problem
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("utf-8", errors="replace"), "binary", "not UTF-8 text"
    if value is None or not value.strip():
        return value, "empty", "no text"
    if _BAD_UTF8.search(value):
        kept = value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        return kept, "binary", "not UTF-8 text"
    if "\x00" in value or len(_CONTROL.findall(value)) > max(1, len(value) // 100):
        return value, "binary", "control characters: not text"
    if len(value) > max_chars:
        return value, "too_long", f"{len(value):,} characters, over the limit of {max_chars:,}"
    return value, "ok", None


INPUT_SCHEMA = {"row": pl.Int64, "text": pl.String, "status": pl.String, "problem": pl.String}


def chunks(src: Source, chunk_rows: int = CHUNK_ROWS, max_chars: int = MAX_CHARS
           ) -> Iterator[tuple[int, pl.DataFrame]]:
    """(bytes read, frame of ``row, text, status, problem``) for each chunk of the input."""
    rows: dict[str, list] = {k: [] for k in INPUT_SCHEMA}
    n = 0
    position = 0
    for position, value in _records(src, chunk_rows):
        text, status, problem = classify(value, max_chars)
        for k, v in zip(INPUT_SCHEMA, (n, text, status, problem)):
            rows[k].append(v)
        n += 1
        if len(rows["row"]) == chunk_rows:
            yield position, pl.DataFrame(rows, schema=INPUT_SCHEMA)
            rows = {k: [] for k in INPUT_SCHEMA}
    if rows["row"] or n == 0:
        yield position, pl.DataFrame(rows, schema=INPUT_SCHEMA)


# --- scoring ------------------------------------------------------------------------------


def output_schema() -> dict[str, pl.DataType]:
    from exposure.scoring.codebook import CONSTRUCTS

    schema: dict[str, pl.DataType] = dict(INPUT_SCHEMA)
    for c in CONSTRUCTS:
        schema[c] = pl.Float64
    for c in CONSTRUCTS:
        schema[f"{c}_lo"], schema[f"{c}_hi"] = pl.Float64, pl.Float64
    schema["evidence"] = pl.List(pl.String)
    return schema


def score_chunk(fit, frame: pl.DataFrame, model_path: str | None = None, backend: str = "torch") -> pl.DataFrame:
    """Scores of one input chunk (``row, text, status, problem``), one row per input row:
    the ``ok`` rows' distinct texts are embedded with the bare model, longest first (so
    batches pad little), in batches of at most 64 texts and ``MAX_BATCH_TOKENS`` padded word
    pieces, then scored by :func:`exposure.scoring.tasks.score_texts`.

    Why the token cap: a batch's memory grows with its padded size (64 texts of 256 word
    pieces took 294 MB above the model, 64 of 128 took 182 MB, any batch of 4,096 took
    87-101 MB; docs/corpus.md). Without it, a chunk's peak depends on how many long texts
    it happens to hold, and the more chunks, the higher the highest. At 1,024 rather than
    4,096 the corpus's 1x peak fell from 1,070 to 1,029 MB and scoring was no slower."""
    import numpy as np

    from exposure.scoring.tasks import score_texts

    schema = output_schema()
    ok = frame.filter(pl.col("status") == "ok").select("row", "text")
    if ok.is_empty():
        return frame.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in frame.columns)
    distinct = sorted(set(ok["text"].to_list()), key=lambda t: (-len(t), t))
    X_distinct = embed_apart(distinct, model_path, backend)
    release_memory()  # the model's freed activations, before scoring needs room of its own
    where = {t: i for i, t in enumerate(distinct)}
    X = X_distinct[np.fromiter((where[t] for t in ok["text"]), dtype=np.int64, count=ok.height)]
    scored = score_texts(fit, ok.select("row"), X)
    out = frame.join(scored.select([c for c in schema if c in scored.columns]), on="row", how="left")
    return out.select(pl.col(c).cast(t) if c in out.columns else pl.lit(None, dtype=t).alias(c)
                      for c, t in schema.items()).sort("row")


def score_chunk_file(fit, source: Path, target: Path, model_path: str | None = None,
                     backend: str = "torch") -> dict[str, int]:
    """Score one input chunk file into ``target`` (atomically); the status counts."""
    frame = pl.read_parquet(source)
    out = score_chunk(fit, frame, model_path, backend)
    with atomic_path(target) as tmp:
        out.write_parquet(tmp, compression="zstd", statistics=False)
    rows = out.height
    del frame, out
    release_memory()
    return {"rows": rows}


@functools.cache
def _embedding_thread() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="exposure-embed")


def embed_apart(texts: list[str], model_path: str | None = None, backend: str = "torch"):
    """Embeddings of ``texts`` (:func:`exposure.backends.encode`, in batches of at most
    ``MAX_BATCH_TOKENS`` padded word pieces), computed in one long-lived thread of their own.

    Why a thread: glibc gives each thread its own heap (arena), so the model's activations
    come and go in a heap that holds nothing else. In the main thread they shared the heap
    with what reading, scoring and writing a chunk keep between batches, and the resident
    size crept up chunk after chunk: with batches of 1,024 word pieces, 1x of the corpus
    peaked at 1,029 MB and 10x reached 1,055 MB within 6 minutes. In the thread, 68 chunks
    in a row peaked at 988-1,017 MB in-process, with no trend (docs/corpus.md). On an
    interruption (Ctrl-C) the thread stops after the batch it is on (score-text on the
    corpus exited 2.9 s after Ctrl-C)."""
    from exposure.backends import encode

    stop = threading.Event()

    def check(done: int, total: int) -> None:
        if stop.is_set():
            raise concurrent.futures.CancelledError  # into the abandoned future; nobody reads it

    job = _embedding_thread().submit(encode, texts, model_path, backend, progress=check,
                                     max_tokens=MAX_BATCH_TOKENS)
    try:
        return job.result()
    except BaseException:
        stop.set()
        raise


@functools.cache
def _libc():
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None  # glibc only


ONEDNN_KERNELS_KEPT = 8  # oneDNN's default is 1,024: one kernel per batch shape seen, kept for the whole run
MMAP_THRESHOLD = 16 << 20  # bytes; glibc's default starts at 128 KiB and rises with what is freed, up to 32 MiB


def bounded_heap() -> None:
    """Give every block of ``MMAP_THRESHOLD`` bytes or more its own memory mapping, returned
    to the system as soon as it is freed (glibc ``mallopt(M_MMAP_THRESHOLD)``; nothing
    elsewhere), and put PyTorch's large tensors on transparent huge pages when torch is not
    loaded yet (``THP_MEM_ALLOC_ENABLE``), so that mapping them costs few page faults;
    tokenize in the thread that embeds (``TOKENIZERS_PARALLELISM=false``, unless set); and keep
    oneDNN's cache of compiled kernels small (``ONEDNN_PRIMITIVE_CACHE_CAPACITY``, unless set).

    Why: glibc raises its threshold as large blocks are freed, so after the first batches a
    batch's activations land in the heap wherever there is room, and the memory a batch
    takes depends on what came before it: the same 64 long texts embedded a second time
    raised the peak from 948 to 986 MB. The more batches, the higher the highest, so a long
    input peaked higher than a short one. With the threshold fixed, repeats of a batch never
    went above its first peak (883 MB; docs/corpus.md). For the rest of the process the
    threshold stays fixed (glibc cannot go back to its sliding one).

    Why tokenize in one thread: the tokenizer's worker threads each build their part of a
    batch in a heap of their own. With them, the same 1x input peaked anywhere in
    1,029-1,047 MiB from one process to the next; without, at 1,006-1,017 MiB, and no slower
    (docs/corpus.md).

    Why a small kernel cache: PyTorch runs some layers (GELU) through oneDNN, which compiles a
    kernel for each shape of batch and keeps up to 1,024 of them (its default). Batches of
    texts come in many shapes, so the cache, and the resident size with it, grew with every
    chunk: on the first machine measured, the embedding thread's heap grew by 0.2-0.6 MiB a
    chunk, and the 10x input peaked above the 1x one. With 8 kept, the heap stayed flat and the first
    ten chunks' peaks were 25-30 MiB lower. The same kernel is compiled again when a shape
    comes back (5-10% slower per chunk; the local engine still ran at 92% of the bare model),
    so the scores should not change (docs/corpus.md). oneDNN reads the variable when it first
    compiles a kernel, so this must run before the first text is embedded."""
    if "torch" not in sys.modules:
        os.environ.setdefault("THP_MEM_ALLOC_ENABLE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # read by the tokenizer at every call
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(ONEDNN_KERNELS_KEPT))
    libc = _libc()
    if libc is not None:
        libc.mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD in glibc's malloc.h


def release_memory() -> None:
    """Give the heap's free pages back to the system (glibc ``malloc_trim``; nothing
    elsewhere), so that the resident size does not creep up chunk after chunk."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


# --- the run ------------------------------------------------------------------------------


@dataclass
class Result:
    output: Path
    rows: int
    counts: dict[str, int]
    chunks: int
    resumed: int  # chunks found already scored
    problems: list[dict[str, Any]] = field(default_factory=list)  # the first bad rows: row, status, problem


def parts_key(src: Source, model_path: str | None, backend: str, chunk_rows: int, max_chars: int) -> str:
    from exposure.scoring.pipeline import score_key

    h = hashlib.sha256()
    for part in (VERSION, src.sha256, src.fmt, src.column, score_key(model_path), backend, chunk_rows, max_chars,
                 MAX_BATCH_TOKENS):
        h.update(f"{part}\0".encode())
    return h.hexdigest()[:16]


def parts_folder(output: Path) -> Path:
    return output.parent / f".{output.name}.parts"


def split(src: Source, folder: Path, chunk_rows: int, max_chars: int, progress: Progress | None = None) -> dict:
    """Split the input into chunk files (skipped when a complete split is there)."""
    done = folder / "split.json"
    if done.is_file():
        return json.loads(done.read_text())
    counts = dict.fromkeys(STATUSES, 0)
    n_chunks = rows = 0
    problems: list[dict] = []
    for position, frame in chunks(src, chunk_rows, max_chars):
        target = folder / f"in-{n_chunks:06d}.parquet"
        with atomic_path(target) as tmp:
            frame.write_parquet(tmp, compression="zstd", statistics=False)
        for status, n in frame.group_by("status").len().iter_rows():
            counts[status] += n
        if len(problems) < 1000:
            problems += frame.filter(pl.col("status") != "ok").select("row", "status", "problem").head(
                1000 - len(problems)).to_dicts()
        n_chunks += 1
        rows += frame.height
        if progress:
            progress(f"reading {src.name}", position, src.size)
    info = {"chunks": n_chunks, "rows": rows, "counts": counts, "problems": problems}
    write_bytes(done, json.dumps(info, sort_keys=True).encode())
    return info


def _score_local(pending: list[int], folder: Path, model_path: str | None, backend: str, fit,
                 progress: Progress | None, n_chunks: int) -> None:
    done = n_chunks - len(pending)
    for i in pending:
        score_chunk_file(fit, folder / f"in-{i:06d}.parquet", folder / f"out-{i:06d}.parquet", model_path, backend)
        done += 1
        if progress:
            progress("scoring chunks", done, n_chunks)


class _RayScorer:
    """A Ray actor holding the fitted text model and the embedding model."""

    settings: dict[str, Any] = {}

    def __init__(self):
        self._setup(**self.settings)

    def _setup(self, model_path: str | None, backend: str, data_dir: str, threads: int) -> None:
        os.environ["EXPOSURE_DATA_DIR"] = data_dir
        bounded_heap()
        import torch

        torch.set_num_threads(threads)
        from exposure.scoring.pipeline import text_fit

        self.model_path, self.backend = model_path, backend
        self.fit = text_fit(model_path)

    def __call__(self, batch: dict) -> dict:
        rows = [score_chunk_file(self.fit, Path(s), Path(t), self.model_path, self.backend)["rows"]
                for s, t in zip(batch["source"], batch["target"])]
        return {"chunk": list(batch["chunk"]), "rows": rows}


def _score_ray(pending: list[int], folder: Path, model_path: str | None, backend: str, workers: int,
               address: str | None, progress: Progress | None, n_chunks: int) -> None:
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")  # Ray Data's execution notes on stderr
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError("--engine ray needs Ray: pip install -e '.[ray]'") from None
    import logging

    from exposure.config import data_dir

    started = False
    if not ray.is_initialized():
        env = {"EXPOSURE_DATA_DIR": str(data_dir()), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "PYTHONPATH": os.pathsep.join(p for p in [str(Path(__file__).resolve().parents[1]),
                                                         os.environ.get("PYTHONPATH", "")] if p)}
        kwargs: dict[str, Any] = {"runtime_env": {"env_vars": env}, "logging_level": logging.ERROR,
                                  "log_to_driver": False, "include_dashboard": False}
        if address:
            kwargs["address"] = address
        else:
            kwargs.update(num_cpus=workers, object_store_memory=256 * 1024 * 1024)
        try:
            ray.init(**kwargs)
        except Exception as exc:  # a wrong address, a cluster that is down
            raise InputError(f"cannot start or join Ray{f' at {address}' if address else ''} ({exc})") from None
        started = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation notes on settings this code does not use
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = False
            ctx.execution_options.preserve_order = True
        items = [{"chunk": i, "source": str(folder / f"in-{i:06d}.parquet"),
                  "target": str(folder / f"out-{i:06d}.parquet")} for i in pending]
        # the settings travel inside the class (no constructor arguments in the object store)
        scorer = type("ChunkScorer", (_RayScorer,), {"settings": {
            "model_path": model_path, "backend": backend, "data_dir": str(data_dir()), "threads": 1}})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ray Data's notes on pool sizes and deprecations
            ds = ray.data.from_items(items, override_num_blocks=max(1, len(items))).map_batches(
                scorer, batch_size=1, compute=ray.data.ActorPoolStrategy(size=min(workers, len(items))), num_cpus=1,
                max_restarts=0,  # a lost actor fails the run; a rerun resumes from the chunks written
            )
            done = n_chunks - len(pending)
            for _ in ds.iter_rows():
                done += 1
                if progress:
                    progress(f"scoring chunks on Ray ({workers} workers)", done, n_chunks)
    finally:
        if started:
            ray.shutdown()


def score_file(source: str | Path, output: Path, column: str | None = None, fmt: str | None = None,
               output_format: str | None = None, model_path: str | None = None, backend: str | None = None,
               engine: str = "local", workers: int = 2, address: str | None = None,
               chunk_rows: int = CHUNK_ROWS, max_chars: int = MAX_CHARS,
               progress: Progress | None = None) -> Result:
    """Score every text of a corpus file into ``output`` (Parquet or CSV) with its manifest;
    see the module docstring."""
    from exposure.backends import check_backend
    from exposure.manifest import write_file_with_manifest
    from exposure.scoring.pipeline import RELEASES, scores, text_fit

    backend = check_backend(backend)
    output = Path(output)
    output_format = output_format or ("csv" if output.suffix.lower() in (".csv", ".tsv") else "parquet")
    if output_format not in OUTPUT_FORMATS:
        raise InputError(f"the output format must be one of {', '.join(OUTPUT_FORMATS)}; got {output_format!r}")
    if engine not in ENGINES:
        raise InputError(f"the engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    if chunk_rows < 1 or max_chars < 1 or workers < 1:
        raise InputError("--chunk-rows, --max-chars and --workers must be positive")
    if output.exists() and not output.is_file():
        raise InputError(f"cannot write {output}: it is not a regular file")
    root = parts_folder(output)
    bounded_heap()
    src = open_source(source, column, fmt, spool_dir=output.parent if source == "-" else None)
    try:
        fit = text_fit(model_path, progress)
        folder = root / parts_key(src, model_path, backend, chunk_rows, max_chars)
        info = split(src, folder, chunk_rows, max_chars, progress)
        n = info["chunks"]
        pending = [i for i in range(n) if not (folder / f"out-{i:06d}.parquet").is_file()]
        if progress:
            progress("scoring chunks", n - len(pending), n)
        if pending and engine == "ray":
            _score_ray(pending, folder, model_path, backend, workers, address, progress, n)
        elif pending:
            _score_local(pending, folder, model_path, backend, fit, progress, n)
        meta = scores(model_path).meta
        parts = [folder / f"out-{i:06d}.parquet" for i in range(n)]
        write_file_with_manifest(output, lambda tmp: combine(parts, tmp, output_format), releases=RELEASES, **meta,
                                 input=src.name if src.spooled else Path(src.name).name, input_sha256=src.sha256,
                                 input_format=src.fmt, column=src.column, rows=info["rows"],
                                 status_counts=info["counts"], backend=backend, chunk_rows=chunk_rows,
                                 max_chars=max_chars)
        shutil.rmtree(root, ignore_errors=True)
        return Result(output, info["rows"], info["counts"], n, n - len(pending), info["problems"])
    finally:
        src.close()


def combine(parts: list[Path], target: Path, output_format: str) -> None:
    """The chunk files, in order, as one file at ``target``, one chunk in memory at a time
    (:func:`score_file` writes it to a temporary name, its manifest first)."""
    import pyarrow.parquet as pq

    if output_format == "parquet":
        writer = None
        try:
            for part in parts:
                table = pl.read_parquet(part).to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(target, table.schema, compression="zstd", write_statistics=False)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    else:
        with target.open("wb") as fh:
            for i, part in enumerate(parts):
                csv_safe(pl.read_parquet(part)).write_csv(fh, include_header=i == 0)


__all__ = ["Result", "classify", "combine", "open_source", "score_chunk", "score_file"]
