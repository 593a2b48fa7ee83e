"""Pinned data releases: verify, import from a local copy, pull from the publishers.

The release list lives in ``releases.toml`` beside this module: for every file its path
under the data folder (the layout of ``../shared/data``), SHA-256, size, header, row count
and the publisher's URL. A file is usable only if it matches that pin; anything else is a
:class:`~exposure.errors.DataError` whose one-line message names the file, what was
expected and the command that fixes it.

Writes are atomic: files are checked before anything is copied, then each lands through a
temporary name and ``os.replace``, so an interrupted import never leaves a half-written file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from taxonomies.base import raw_dir
from taxonomies.base import DataError, ExposureError, InputError
from taxonomies.base import atomic_path, sha256_file, write_bytes

_SPEC = Path(__file__).with_name("releases.toml")
_USER_AGENT = "exposure/0.1 (offshorability research; data pull)"

FileProgress = Callable[[str], None]  # told each file (or URL) as it is handled


@dataclass(frozen=True)
class FileSpec:
    release: str
    path: str
    sha256: str
    bytes: int
    rows: int | None = None
    header: tuple[str, ...] | None = None
    url: str | None = None
    member: str | None = None
    sheet: str | None = None
    header_row: int = 0
    version_line: str | None = None


@dataclass(frozen=True)
class Release:
    name: str
    title: str
    version: str
    published: str
    publisher: str
    licence: str
    attribution: str
    notes: str = ""
    files: tuple[FileSpec, ...] = field(default=())

    @property
    def label(self) -> str:
        return f"{self.title} {self.version}"

    @property
    def pullable(self) -> bool:
        return all(f.url for f in self.files)

    def fix_hint(self) -> str:
        hint = "exposure data import --from DIR (a copy laid out like ../shared/data)"
        if self.pullable:
            hint += f" or exposure data pull --release {self.name}"
        return hint

    def file(self, path: str) -> FileSpec:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(f"{path} is not a file of release {self.name}")


@cache
def releases() -> dict[str, Release]:
    """All pinned releases by name, in the order of ``releases.toml``."""
    raw = tomllib.loads(_SPEC.read_text(encoding="utf-8"))
    out = {}
    for name, entry in raw.items():
        files = tuple(
            FileSpec(release=name, **{k: (tuple(v) if k == "header" else v) for k, v in f.items()})
            for f in entry.pop("files")
        )
        out[name] = Release(name=name, files=files, **entry)
    return out


def select(names: Iterable[str] | None = None) -> list[Release]:
    """Releases by name (all when ``names`` is empty). Unknown names are an InputError."""
    known = releases()
    names = list(names or [])
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(
            f"unknown release {unknown[0]!r}; known releases: {', '.join(known)}"
        )
    return [known[n] for n in names] if names else list(known.values())


# --- checking one file -------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    spec: FileSpec
    location: Path
    problem: str | None  # None when the file matches its pin

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def verdict(self) -> str:
        return "ok" if self.ok else self.problem.split(":")[0].split(" (")[0]



class _ChecksumMemo:
    """SHA-256 of files under the data folder, remembered by (size, mtime, ctime, inode) so
    that a cached reload does not re-hash 90 MB. Any write to a file changes its ctime,
    which cannot be set back, so a changed file is always re-hashed."""

    def __init__(self, root: Path):
        self.path = root / ".checksums.json"
        try:
            self.memo = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.memo = {}
        self.dirty = False

    def known(self, file: Path) -> str | None:
        """The remembered checksum if the file has not changed since, else None."""
        try:
            st = file.stat()
        except OSError:
            return None
        hit = self.memo.get(str(file))
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        return hit[-1] if hit and hit[:-1] == stamp else None

    def sha256(self, file: Path) -> str:
        st = file.stat()
        key = str(file)
        stamp = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        hit = self.memo.get(key)
        if hit and hit[:-1] == stamp:
            return hit[-1]
        digest = sha256_file(file)
        self.remember(file, digest)
        return digest

    def remember(self, file: Path, digest: str) -> None:
        st = file.stat()
        self.memo[str(file)] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest]
        self.dirty = True

    def save(self) -> None:
        if self.dirty and self.path.parent.is_dir():
            try:
                write_bytes(self.path, json.dumps(self.memo, indent=0).encode())
            except ExposureError:  # a read-only data folder: the memo is only a shortcut
                pass
            self.dirty = False


def read_header(spec: FileSpec, location: Path) -> tuple[str, ...]:
    """The header row of a release file, as the loaders will read it."""
    suffix = location.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        import fastexcel

        reader = fastexcel.read_excel(str(location))
        sheet = reader.load_sheet(
            spec.sheet, header_row=None, skip_rows=spec.header_row, n_rows=1, dtypes="string"
        )
        return tuple(
            "" if v is None else str(v).strip() for v in sheet.to_polars().row(0)
        )
    if suffix == ".zip":
        with zipfile.ZipFile(location) as zf, zf.open(spec.member or zf.namelist()[0]) as fh:
            line = io.TextIOWrapper(fh, encoding="utf-8-sig").readline()
        return tuple(next(csv.reader([line])))
    with location.open(encoding="utf-8-sig", newline="") as fh:
        line = fh.readline().rstrip("\r\n")
    if suffix == ".csv":
        return tuple(next(csv.reader([line]), []))
    return tuple(line.split("\t"))


def check_file(spec: FileSpec, location: Path, memo: _ChecksumMemo | None = None) -> FileCheck:
    """Compare one file with its pin: presence, size, release, header, checksum."""

    def bad(problem: str) -> FileCheck:
        return FileCheck(spec, location, problem)

    if not location.is_file():
        return bad("missing")
    if memo is not None and memo.known(location) == spec.sha256:
        return FileCheck(spec, location, None)  # unchanged since it last matched its pin
    size = location.stat().st_size
    if size == 0:
        return bad("empty (0 bytes)")
    if spec.version_line:
        head = location.read_text(encoding="utf-8", errors="replace").splitlines()[:3]
        if spec.version_line not in head:
            found = head[0].strip() if head else "nothing"
            return bad(f"other release: it says {found!r}, expected {spec.version_line!r}")
    if spec.header:
        try:
            header = read_header(spec, location)
        except Exception as exc:  # a damaged zip or spreadsheet: report, do not crash
            reason = " ".join(str(exc).split())[:80]
            return bad(f"unreadable, damaged or truncated ({size:,} of {spec.bytes:,} bytes; "
                       f"{type(exc).__name__}: {reason})")
        if header != spec.header:
            return bad(
                f"wrong header: columns {list(header)[:4]}..., expected {list(spec.header)[:4]}..."
            )
    digest = memo.sha256(location) if memo else sha256_file(location)
    if digest != spec.sha256:
        if size < spec.bytes:
            return bad(f"truncated ({size:,} of {spec.bytes:,} bytes)")
        return bad(
            f"checksum mismatch (sha256 {digest[:12]}..., expected {spec.sha256[:12]}...): "
            "another release or a modified copy"
        )
    return FileCheck(spec, location, None)


def check_release(release: Release, root: Path | None = None) -> list[FileCheck]:
    """Check every file of a release under ``root`` (default: the raw data folder)."""
    root = root or raw_dir()
    memo = _ChecksumMemo(root) if root == raw_dir() else None
    checks = [check_file(f, root / f.path, memo) for f in release.files]
    if memo:
        memo.save()
    return checks


@dataclass(frozen=True)
class Status:
    """One release's state for ``exposure data status``."""

    release: Release
    state: str  # "ok", "missing" or "damaged"
    files_ok: int
    files: int
    first_problem: FileCheck | None

    @property
    def problem(self) -> str:
        return "" if self.first_problem is None else f"{self.first_problem.spec.path}: {self.first_problem.problem}"

    def error(self) -> str | None:
        """The one-line error for a missing or damaged release, with its fix."""
        if self.first_problem is None:
            return None
        return f"{describe(self.first_problem, self.release)}. Fix: {self.release.fix_hint()}"


def status(names: Iterable[str] | None = None) -> list[Status]:
    """Each chosen release: present or missing, how many files match their pins, the first problem."""
    out = []
    for r in select(names):
        checks = check_release(r)
        bad = [c for c in checks if not c.ok]
        missing = all(c.problem == "missing" for c in checks)
        state = "missing" if missing else ("ok" if not bad else "damaged")
        out.append(Status(r, state, len(checks) - len(bad), len(checks), bad[0] if bad else None))
    return out


def describe(check: FileCheck, release: Release) -> str:
    return f"{release.label}: {check.location}: {check.problem}"


def require(release: Release) -> None:
    """Raise a one-line DataError unless every file of the release is present and pinned."""
    for check in check_release(release):
        if not check.ok:
            raise DataError(f"{describe(check, release)}. Fix: {release.fix_hint()}")


# --- import and pull ---------------------------------------------------------------------


def import_from(
    source: Path, names: Iterable[str] | None = None, progress: FileProgress | None = None
) -> tuple[list[Release], list[Release]]:
    """Copy pinned release files from a local folder laid out like ``../shared/data``.

    Every file is checked before anything is written. With no ``names``, releases wholly
    absent from ``source`` are skipped; a release that is present but incomplete or
    different is an error. Returns the releases imported and those skipped.
    """
    source = Path(source).expanduser()
    if not source.exists():
        raise InputError(f"no such directory: {source}")
    if not source.is_dir():
        raise InputError(f"not a directory: {source} (give the folder that holds onet/, esco/, isco/, ...)")
    explicit = bool(names)
    chosen, skipped = [], []
    for release in select(names):
        checks = [check_file(f, source / f.path) for f in release.files]
        if not explicit and all(c.problem == "missing" for c in checks):
            skipped.append(release)
            continue
        for c in checks:
            if not c.ok:
                raise DataError(
                    f"nothing imported: {describe(c, release)}. Fix: replace it with the "
                    f"{release.label} file pinned in taxonomies/releases.toml, or import "
                    "the other releases with --release NAME"
                )
        chosen.append(release)
    if not chosen:
        raise DataError(
            f"nothing imported: {source} holds none of the pinned releases "
            "(expected folders onet/, esco/, isco/, crosswalks/, employment/)"
        )
    memo = _ChecksumMemo(raw_dir())
    for release in chosen:
        for f in release.files:
            if progress:
                progress(f.path)
            target = raw_dir() / f.path
            with atomic_path(target) as tmp:
                shutil.copyfile(source / f.path, tmp)
            memo.remember(target, f.sha256)
    memo.save()
    _forget_verified()
    return chosen, skipped


def _forget_verified() -> None:
    """The data folder changed: releases verified earlier in this process are checked again."""
    from taxonomies import sources

    sources.clear()


def _download(url: str, timeout: float = 60.0) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"could not download {url}: {reason}. Without network, copy the releases by "
            "hand and run: exposure data import --from DIR"
        ) from None


def pull(names: Iterable[str] | None = None, progress: FileProgress | None = None) -> list[Release]:
    """Download pinned releases from their publishers and verify every file's SHA-256.

    A release is written only when all its files downloaded and matched their pins.
    With no ``names``, releases without a direct URL (ESCO) are skipped; naming one is an
    error that says how to get it.
    """
    explicit = bool(names)
    done = []
    for release in select(names):
        if not release.pullable:
            if explicit:
                raise DataError(f"{release.label} cannot be pulled: {release.notes}")
            continue
        blobs: dict[str, bytes] = {}
        staged: dict[str, bytes] = {}
        for f in release.files:
            if f.url not in blobs:
                if progress:
                    progress(f.url)
                blobs[f.url] = _download(f.url)
            data = blobs[f.url]
            if f.member:
                try:
                    with zipfile.ZipFile(io.BytesIO(data)) as zf:
                        data = zf.read(f.member)
                except (zipfile.BadZipFile, KeyError) as exc:
                    raise DataError(f"{f.url}: no usable {f.member!r} in the download ({exc})") from None
            digest = hashlib.sha256(data).hexdigest()
            if digest != f.sha256:
                raise DataError(
                    f"{release.label}: {f.url} gave {f.path} with sha256 {digest[:12]}..., "
                    f"expected {f.sha256[:12]}...: the publisher now serves another release; "
                    "nothing was written"
                )
            staged[f.path] = data
        for path, data in staged.items():
            write_bytes(raw_dir() / path, data)
        done.append(release)
    _forget_verified()
    return done
