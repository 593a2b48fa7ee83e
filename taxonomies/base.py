"""The bottom layer every other module builds on: domain errors, where the data folder is,
and atomic writes. It imports nothing from the project, so ``taxonomies`` (the data layer)
does not depend on ``exposure`` (which re-exports these names from ``exposure.errors``,
``exposure.config`` and ``exposure.io``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

# --- errors ------------------------------------------------------------------------------


class ExposureError(Exception):
    """Base class: a failure the user can act on. The message is shown as it is."""


class DataError(ExposureError):
    """A data release is missing, damaged, of another release, or cannot be fetched."""


class InputError(ExposureError):
    """The user's input (a file, a code, an option) cannot be used."""


# --- the data folder ---------------------------------------------------------------------

_CHECKOUT = Path(__file__).resolve().parents[1]
# set by exposure.context.use() for the length of a run; None: from the environment
DATA_DIR: ContextVar[Path | None] = ContextVar("exposure_data_dir", default=None)


def data_dir() -> Path:
    """The data folder: the current run context's, else ``$EXPOSURE_DATA_DIR``, else
    ``data/`` in the checkout (or in the working directory when installed elsewhere)."""
    chosen = DATA_DIR.get()
    if chosen is not None:
        return chosen
    env = os.environ.get("EXPOSURE_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT / "data"
    return Path.cwd() / "data"


def raw_dir() -> Path:
    """Raw releases, laid out like ``../shared/data`` (``onet/``, ``esco/``, ...)."""
    return data_dir() / "raw"


def cache_dir() -> Path:
    """Derived files (tables, embeddings, scores, graphs), see :mod:`taxonomies.cache`."""
    return data_dir() / "cache"


# --- atomic writes -----------------------------------------------------------------------


def _temp_beside(target: Path) -> Path:
    """Create an empty temporary file beside ``target`` with the permissions a plain
    ``open()`` would give (0o666 minus the process umask), and return its path."""
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success,
    delete it on failure (including an interrupt), so ``target`` is never half-written.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_path(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('hello', ['a.txt'])
    """
    target = Path(target)
    if target.exists() and not target.is_file() or not target.name:
        raise InputError(f"cannot write {target}: it is not a regular file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_beside(target)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if _os_error_code(exc) is not None or isinstance(exc, OSError):
            raise _write_error(target, exc) from None
        raise


def _os_error_code(exc: BaseException) -> int | None:
    """The OS error number of a failed write: an OSError's, or the one polars (whose writers
    raise their own exceptions) puts in its message as ``(os error N)``."""
    import re

    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    if isinstance(exc, Exception):
        found = re.search(r"\(os error (\d+)\)", str(exc))
        if found:
            return int(found.group(1))
    return None


def _write_error(target: Path, exc: BaseException) -> ExposureError:
    """An OS error while writing as a one-line error: a full disk or a file too large is a
    failure of the work (DataError, exit 1); a path that cannot be written is unusable input."""
    import errno

    code = _os_error_code(exc)
    reason = os.strerror(code) if code is not None else (getattr(exc, "strerror", None) or str(exc))
    if code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO):
        return DataError(f"cannot write {target}: {reason}; nothing was written")
    return InputError(f"cannot write {target}: {reason}")


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def warn(message: str) -> None:
    """A one-line warning on standard error (the library's only output besides errors)."""
    try:
        print(f"Warning: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # a closed or broken standard error: nothing to do
        pass


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
