"""The one disk cache: tables, embeddings, scores and graphs all go through it.

An entry is a folder ``<data>/cache/<kind>/<name>-<key>/`` holding files. One rule for keys:
:func:`make_key` hashes what the entry is computed from, namely the data (release checksums,
other entries' keys, the model's key) and the code, given as whole packages
(:func:`source_digest` hashes every ``.py`` file under them, so a new module is never left
out). One rule for pruning: when an entry is written, entries of the same kind and name
whose key is neither this one nor among the :data:`KEEP` most recently used are removed.

Every file is written atomically with a ``.sha256`` sidecar; a file whose bytes do not match
it (truncated, garbled) is reported in one line, removed and rebuilt. When the data folder
cannot be written (read-only, full), the result is used without caching, with one warning.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from taxonomies.base import atomic_path, cache_dir, sha256_file, warn

SOURCE_SUFFIXES = (".py", ".csv", ".toml")  # code, and the reviewable data that ships with it
KEEP = 2  # entries kept per kind and name: the one being written and the last one used before
_WARNED: set[str] = set()


@cache
def source_digest(*modules: str) -> str:
    """SHA-256 of the source of whole packages or modules (``"taxonomies"``,
    ``"exposure.scoring"``, ``"exposure.embed"``): every ``.py`` file under a package and the
    data shipped with it (``.csv``, ``.toml``: codebooks, e-skill lists, pins), by relative
    path and content.

    >>> len(source_digest("taxonomies"))
    64
    """
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(name)
        origin = Path(spec.origin)
        if spec.submodule_search_locations:  # a package: all of it
            root = origin.parent
            files = sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES and "__pycache__" not in p.parts)
        else:
            root, files = origin.parent, [origin]
        for path in files:
            h.update(f"{name}:{path.relative_to(root).as_posix()}\0".encode() + path.read_bytes())
    return h.hexdigest()


def make_key(**inputs: Any) -> str:
    """The key of an entry: a short hash of everything it is computed from (JSON-able).

    >>> make_key(code="abc", data=["x"]) == make_key(data=["x"], code="abc")
    True
    """
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _cannot_cache(where: Path, exc: BaseException) -> None:
    root = str(cache_dir())
    if root not in _WARNED:
        _WARNED.add(root)
        reason = getattr(exc, "strerror", None) or str(exc)
        warn(f"cannot write the cache in {root} ({reason}); results are used without caching")


def _writable_error(exc: BaseException) -> bool:
    from taxonomies.base import ExposureError

    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    return isinstance(exc, ExposureError)  # atomic_path's one-line form of the same errors


class Entry:
    """One cache entry: a folder of files computed from the same inputs."""

    def __init__(self, kind: str, name: str, key: str):
        self.kind, self.name, self.key = kind, name, key
        self.folder = cache_dir() / kind / f"{name}-{key}"

    def path(self, file: str) -> Path:
        return self.folder / file

    # --- reading ---------------------------------------------------------------------

    def verified(self, file: str) -> Path | None:
        """The file's path if it is present and intact; a damaged file is reported,
        removed, and None returned so that the caller rebuilds it."""
        path, sidecar = self.path(file), self.path(file + ".sha256")
        if not path.is_file():
            return None
        try:
            expected = sidecar.read_text().strip()
        except OSError:
            expected = None
        try:
            ok = expected is not None and sha256_file(path) == expected
        except OSError:
            ok = False
        if not ok:
            self._damaged(path, "its checksum does not match" if expected else "its checksum file is missing")
            return None
        self._touch()
        return path

    def _damaged(self, path: Path, why: str) -> None:
        warn(f"the cache file {path} is damaged ({why}); it is removed and rebuilt")
        for p in (path, path.with_name(path.name + ".sha256")):
            try:
                p.unlink(missing_ok=True)
            except OSError:
                pass

    def read(self, file: str, reader: Callable[[Path], Any]) -> Any | None:
        """``reader(path)`` of an intact file, or None when it is missing or damaged
        (including a file the reader cannot parse)."""
        path = self.verified(file)
        if path is None:
            return None
        try:
            return reader(path)
        except Exception as exc:  # a file that passed its checksum but cannot be read
            self._damaged(path, f"{type(exc).__name__}")
            return None

    def read_parquet(self, file: str):
        import polars as pl

        return self.read(file, pl.read_parquet)

    def read_json(self, file: str) -> Any | None:
        return self.read(file, lambda p: json.loads(p.read_text()))

    def has(self, *files: str) -> bool:
        return all(self.path(f).is_file() and self.path(f + ".sha256").is_file() for f in files)

    # --- writing ---------------------------------------------------------------------

    def write(self, file: str, writer: Callable[[Path], None]) -> bool:
        """Write one file through ``writer(tmp_path)``, atomically, with its checksum.
        Returns False (after one warning per data folder) when the cache cannot be written."""
        try:
            if not self.folder.is_dir():
                self.prune()
            with atomic_path(self.path(file)) as tmp:
                writer(tmp)
                digest = sha256_file(tmp)
            with atomic_path(self.path(file + ".sha256")) as tmp:
                tmp.write_text(digest + "\n")
            return True
        except Exception as exc:
            if not _writable_error(exc):
                raise
            _cannot_cache(self.folder, exc)
            return False

    def write_parquet(self, file: str, df) -> bool:
        return self.write(file, lambda tmp: df.write_parquet(tmp, compression="zstd", statistics=False))

    def write_json(self, file: str, doc: Any) -> bool:
        return self.write(file, lambda tmp: tmp.write_text(json.dumps(doc, indent=2, sort_keys=True)))

    def _touch(self) -> None:
        try:
            os.utime(self.folder)
        except OSError:
            pass

    def prune(self) -> None:
        """Remove other entries of this kind and name, except the KEEP - 1 most recently
        used ones (this entry is the KEEP-th)."""
        parent = self.folder.parent
        if not parent.is_dir():
            return
        others = [p for p in parent.glob(f"{self.name}-*")
                  if p.is_dir() and p != self.folder and p.name.rsplit("-", 1)[0] == self.name]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in others[KEEP - 1:]:
            shutil.rmtree(stale, ignore_errors=True)
        # the layout before this module: unnamed key folders and key-suffixed table files
        for old in parent.iterdir():
            if old.is_dir() and "-" not in old.name and old.name != "model":
                if self.kind != "embeddings":  # (embedding shards are adopted, not dropped)
                    shutil.rmtree(old, ignore_errors=True)
            elif old.is_file() and old.name.startswith(f"{self.name}.") and old.suffix == ".parquet":
                old.unlink(missing_ok=True)


def cached_parquet(entry: Entry, file: str, compute: Callable[[], Any]):
    """The frame in ``entry/file``, or ``compute()`` written there (when possible)."""
    df = entry.read_parquet(file)
    if df is None:
        df = compute()
        entry.write_parquet(file, df)
    return df
