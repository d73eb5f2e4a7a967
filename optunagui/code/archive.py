"""Code versions: a working directory packed as a deterministic zip, named by its sha256.

The same files give the same bytes on any machine (sorted names, fixed timestamps and
permissions), so the hash identifies the code. Workers unpack a version once per hash into
a cache folder (`cached_code_dir`); the web process only lists and reads the archive's files.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pathspec

__all__ = [
    "IGNORE_FILE",
    "MAX_CODE_BYTES",
    "MAX_CODE_FILES",
    "CodeArchive",
    "CodeTooLarge",
    "build_archive",
    "cached_code_dir",
    "extract_archive",
    "read_archive_file",
]

MAX_CODE_BYTES = 20 * 1024 * 1024
MAX_CODE_FILES = 5_000
IGNORE_FILE = ".optunaguiignore"
# Raw bytes walked before giving up without compressing: data this large rarely packs small.
_RAW_FACTOR = 10
_DATE = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644
_LEVEL = 6
_SHOWN = 5
_SHA = re.compile(r"[0-9a-f]{64}")

EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".ipynb_checkpoints", "node_modules", ".venv", "venv",
})
EXCLUDED_FILES = frozenset({".DS_Store"})
EXCLUDED_SUFFIXES = (".pyc",)


@dataclass(frozen=True)
class CodeArchive:
    """The packed code: zip bytes, their sha256, and the files in it (sorted by path)."""

    sha256: str
    data: bytes = field(repr=False)
    files: list[dict[str, object]]

    @property
    def size_bytes(self) -> int:
        return len(self.data)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


class CodeTooLarge(ValueError):
    """The working directory packs to more than the limit (or holds too many files)."""

    def __init__(self, working_dir: Path, size: int, limit: int,
                 largest: list[tuple[str, int]], *, complete: bool = True,
                 n_files: int | None = None, max_files: int | None = None) -> None:
        self.size_bytes = size
        self.limit = limit
        self.largest = largest
        if n_files is not None and max_files is not None:
            what = f"holds more than {max_files:,} files (counted {n_files:,} so far)"
        else:
            amount = _mb(size) if complete else f"more than {_mb(size)}"
            what = f"packs to {amount}, over the limit of {_mb(limit)}"
        shown = ", ".join(f"{path} ({_mb(n)})" for path, n in largest[:_SHOWN])
        biggest = f"; largest files: {shown}" if shown else ""
        super().__init__(
            f"the code in {working_dir} {what}{biggest}. Leave data, outputs and "
            f"environments out of it: list them in {IGNORE_FILE} (or .gitignore) at the top "
            "of the folder, one gitignore pattern a line (e.g. data/, *.ckpt)"
        )


def _ignore_spec(root: Path) -> pathspec.PathSpec:
    lines: list[str] = []
    for name in (".gitignore", IGNORE_FILE):  # the product's own file has the last word
        path = root / name
        if path.is_file():
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return pathspec.GitIgnoreSpec.from_lines(lines)


@dataclass
class _Walk:
    root: Path
    spec: pathspec.PathSpec
    max_raw: int
    max_files: int
    found: list[tuple[str, Path, int]] = field(default_factory=list)
    raw: int = 0

    def too_large(self, *, complete: bool) -> CodeTooLarge:
        largest = sorted(((rel, size) for rel, _, size in self.found), key=lambda f: -f[1])
        return CodeTooLarge(self.root, self.raw, self.max_raw // _RAW_FACTOR, largest,
                            complete=complete)

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except OSError:
            return False

    def _keep_dir(self, entry: os.DirEntry[str], rel: str) -> bool:
        if entry.name in EXCLUDED_DIRS or self.spec.match_file(rel + "/"):
            return False
        return not (Path(entry.path) / "pyvenv.cfg").exists()  # a virtual environment

    def _add_file(self, entry: os.DirEntry[str], rel: str) -> None:
        if entry.name in EXCLUDED_FILES or entry.name.endswith(EXCLUDED_SUFFIXES):
            return
        if self.spec.match_file(rel):
            return
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{rel!r}: the file name is not valid UTF-8; rename it or list "
                             f"it in {IGNORE_FILE}") from None
        size = entry.stat().st_size
        self.found.append((rel, Path(entry.path), size))
        self.raw += size
        if len(self.found) > self.max_files:
            raise CodeTooLarge(self.root, self.raw, self.max_raw // _RAW_FACTOR, [],
                               n_files=len(self.found), max_files=self.max_files)
        if self.raw > self.max_raw:
            raise self.too_large(complete=False)

    def walk(self, folder: Path, prefix: str, ancestors: frozenset[str]) -> None:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            rel = prefix + entry.name
            is_link = entry.is_symlink()
            if is_link and not self._inside(Path(entry.path)):
                continue
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                continue
            if is_dir and self._keep_dir(entry, rel):
                real = os.path.realpath(entry.path)
                if real not in ancestors:  # a link back up would loop forever
                    self.walk(Path(entry.path), rel + "/", ancestors | {real})
            elif is_file and (is_link or stat.S_ISREG(entry.stat().st_mode)):
                self._add_file(entry, rel)


def _checked_dir(working_dir: Path) -> Path:
    path = Path(working_dir).expanduser()
    if not path.exists():
        raise ValueError(f"{path}: no such folder; give the folder that holds your code")
    if not path.is_dir():
        raise ValueError(f"{path} is a file, not a folder; give the folder that holds your code")
    return path.resolve()


def _zip_info(rel: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(rel, date_time=_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, whatever system packs it
    info.external_attr = _FILE_MODE << 16
    return info


def build_archive(working_dir: Path, *, max_bytes: int = MAX_CODE_BYTES,
                  max_files: int = MAX_CODE_FILES) -> CodeArchive:
    """Pack the working directory's code, leaving out caches, repositories, environments and
    whatever ``.gitignore`` / ``.optunaguiignore`` at its top exclude.

    Raises:
        ValueError: the folder is missing or not a folder, or a file cannot be read.
        CodeTooLarge: the archive would pass `max_bytes`, or the folder `max_files` files;
            the walk stops as soon as that is known.
    """
    root = _checked_dir(working_dir)
    walk = _Walk(root, _ignore_spec(root), max_raw=max_bytes * _RAW_FACTOR, max_files=max_files)
    walk.walk(root, "", frozenset({str(root)}))
    found = sorted(walk.found, key=lambda f: f[0])
    buffer = io.BytesIO()
    files: list[dict[str, object]] = []
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel, path, _ in found:
            try:
                content = path.read_bytes()
            except OSError as error:
                raise ValueError(f"{rel}: cannot be read ({error.strerror or error}); fix its "
                                 f"permissions or list it in {IGNORE_FILE}") from None
            archive.writestr(_zip_info(rel), content, compresslevel=_LEVEL)
            files.append({"path": rel, "size": len(content)})
            if buffer.tell() > max_bytes:
                raise CodeTooLarge(root, buffer.tell(), max_bytes, _largest(walk),
                                   complete=False)
    data = buffer.getvalue()
    if len(data) > max_bytes:
        raise CodeTooLarge(root, len(data), max_bytes, _largest(walk))
    return CodeArchive(sha256=hashlib.sha256(data).hexdigest(), data=data, files=files)


def _largest(walk: _Walk) -> list[tuple[str, int]]:
    return sorted(((rel, size) for rel, _, size in walk.found), key=lambda f: -f[1])[:_SHOWN]


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ValueError(f"not a code archive: {error}") from None


def _safe_name(name: str) -> PurePosixPath:
    """The member's relative path, or ValueError for one that would land outside."""
    if not name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ValueError(f"unsafe path in code archive: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"unsafe path in code archive: {name!r}")
    return path


def extract_archive(data: bytes, target: Path) -> Path:
    """Unpack a code archive into `target` (created if needed); unpacking again rewrites the
    same files.

    Raises:
        ValueError: not a zip, or a member with an absolute path or ``..`` in it (nothing is
            written then).
    """
    target = Path(target)
    with _open(data) as archive:
        members = [(info, _safe_name(info.filename)) for info in archive.infolist()]
        target.mkdir(parents=True, exist_ok=True)
        root = target.resolve()
        for info, rel in members:
            destination = root.joinpath(*rel.parts)
            if not destination.resolve().is_relative_to(root):
                raise ValueError(f"unsafe path in code archive: {info.filename!r}")
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            destination.chmod(0o644)
    return target


def cached_code_dir(sha256: str, data: bytes, root: Path) -> Path:
    """The folder ``root/<sha256>`` holding this code version, unpacked on first use.

    Unpacks into a temporary folder beside it and renames it into place, so no reader sees
    a half-written folder; when another process got there first, its folder is kept.

    Raises:
        ValueError: `data` does not hash to `sha256`, or is not a safe code archive.
    """
    if not _SHA.fullmatch(sha256 or ""):
        raise ValueError(f"{sha256!r} is not a code version (a sha256 in lowercase hex)")
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ValueError(f"the code archive hashes to {actual[:12]}, not to the code version "
                         f"{sha256[:12]} it was given as")
    root = Path(root)
    final = root / sha256
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=root))
    try:
        extract_archive(data, staging)
        staging.chmod(0o755)
        try:
            os.rename(staging, final)
        except OSError:
            if not final.is_dir():  # not a lost race: a real failure
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final


def read_archive_file(data: bytes, path: str, max_bytes: int = 200_000) -> str:
    """One file of a code archive as text (UTF-8, undecodable bytes replaced).

    A file longer than `max_bytes` is cut there, with a last line saying so.

    Raises:
        LookupError: the archive has no such file.
    """
    name = path.replace("\\", "/").strip()
    while name.startswith("./"):
        name = name[2:]
    with _open(data) as archive:
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise LookupError(f"{path} is not in this code version") from None
        if info.is_dir():
            raise LookupError(f"{path} is a folder in this code version, not a file")
        with archive.open(info) as source:
            content = source.read(max_bytes)
    text = content.decode("utf-8", errors="replace")
    if info.file_size > max_bytes:
        text += (f"\n[... cut: the first {max_bytes:,} of {info.file_size:,} bytes shown]")
    return text
