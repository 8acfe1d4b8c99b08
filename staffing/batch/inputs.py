"""Finding the county inputs of a batch, naming their output folders, hashing them.

An input is one county: an ``.xlsx`` workbook, a single ``.csv``/``.parquet`` schools
table, or a folder of CSV/Parquet tables (``schools.csv``/``学校.csv`` …). A batch
is given either such inputs or an INPUT_DIR whose entries are the inputs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from staffing.data.schema import SHEET_NAMES

__all__ = ["CountyInput", "find_inputs", "safe_name", "content_hash", "is_county_folder"]

#: File suffixes taken as one county each when they sit in an INPUT_DIR. ``.xls`` is
#: included so that an old workbook fails loudly ("save it as .xlsx") instead of
#: being left out.
INPUT_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".csv", ".parquet")

_TABLE_SUFFIXES = (".csv", ".parquet")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
             *(f"lpt{i}" for i in range(1, 10))}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class CountyInput:
    """One county input of a batch.

    Attributes
    ----------
    name : the output folder name (:func:`safe_name` of the stem, made unique).
    path : the workbook, table file or folder, absolute.
    kind : ``"workbook"``, ``"table"`` or ``"folder"``.
    sha256 : :func:`content_hash` of the input; ``None`` when it cannot be read.
    size : bytes on disk (a folder: the sum of its files), used to submit the
        largest counties first.
    """

    name: str
    path: Path
    kind: str
    sha256: str | None
    size: int


def safe_name(stem: str) -> str:
    """A folder name made from an input's stem, safe on Linux, macOS and Windows.

    Chinese (and any other) letters are kept; path separators, characters Windows
    forbids and control characters become ``_``; leading dots and trailing dots or
    spaces are dropped (no hidden folders, no ``..``); Windows device names get a
    ``_`` suffix. Text is NFC-normalised so that the same name typed on macOS and
    Linux gives the same folder.

    Examples
    --------
    >>> safe_name("楚雄市")
    '楚雄市'
    >>> safe_name("a/b\\\\c: 县?")
    'a_b_c_ 县_'
    >>> safe_name("..")
    'county'
    >>> safe_name("CON")
    'CON_'
    """
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", str(stem))).strip()
    name = name.lstrip(".").rstrip(". ")
    if not name:
        return "county"
    if name.split(".")[0].casefold() in _RESERVED:
        name += "_"
    return name


def is_county_folder(path: Path) -> bool:
    """Whether the folder holds a schools table (``schools.csv``, ``学校.parquet`` …)."""
    names = {n.casefold() for n in SHEET_NAMES["schools"]}
    return any(
        f.is_file() and f.suffix.lower() in _TABLE_SUFFIXES and f.stem.strip().casefold() in names
        for f in path.iterdir()
    )


def content_hash(path: str | Path) -> str:
    """SHA-256 of an input: of the file's bytes, or of a folder's files.

    A folder's hash covers every non-hidden file below it, in sorted order of their
    relative POSIX paths, each as ``path + NUL + sha256(bytes)``; renaming or editing
    any file changes it, and ``.DS_Store`` or editor swap files do not.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = f.write_bytes(b"abc")
    >>> content_hash(f)[:12]
    'ba7816bf8f01'
    """
    path = Path(path)
    if not path.is_dir():
        return _file_digest(path).hexdigest()
    h = hashlib.sha256()
    for file in sorted(_visible_files(path), key=lambda f: f.relative_to(path).as_posix()):
        h.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        h.update(_file_digest(file).digest())
    return h.hexdigest()


def find_inputs(
    inputs: str | Path | Iterable[str | Path], *, exclude: Iterable[Path] = ()
) -> tuple[list[CountyInput], list[dict[str, str]]]:
    """The county inputs of a batch, sorted by name, and the entries left out.

    Parameters
    ----------
    inputs : an INPUT_DIR, a single county (workbook, table file or folder of CSVs),
        or a list of counties. In an INPUT_DIR every workbook and table file is a
        county, and so is every sub-folder holding a schools table; hidden entries and
        Excel lock files (``~$…``) are not looked at, and anything else is returned
        in the second list with the reason (nothing is dropped silently).
    exclude : folders never taken as inputs (the batch's own OUT_DIR).

    Returns
    -------
    (inputs, ignored)
        ``ignored`` holds ``{"path": …, "reason": …}`` records.

    Raises
    ------
    FileNotFoundError
        If ``inputs`` is a single path that does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "双柏县.xlsx").write_bytes(b"")
    >>> (root / "楚雄市").mkdir()
    >>> _ = (root / "楚雄市" / "学校.csv").write_text("", encoding="utf-8")
    >>> _ = (root / "notes.txt").write_text("", encoding="utf-8")
    >>> found, ignored = find_inputs(root)
    >>> [(c.name, c.kind) for c in found], [pathlib.Path(i["path"]).name for i in ignored]
    ([('双柏县', 'workbook'), ('楚雄市', 'folder')], ['notes.txt'])
    """
    excluded = {Path(p).resolve() for p in exclude}
    ignored: list[dict[str, str]] = []
    if isinstance(inputs, str | Path):
        root = Path(inputs)
        if not root.exists():
            raise FileNotFoundError(f"input not found: {root}")
        if root.is_dir() and not is_county_folder(root):
            paths = _scan(root, excluded, ignored)
        else:
            paths = [root]
    else:
        paths = [Path(p) for p in inputs]
    found = sorted((_stem(p), str(p.resolve()), p.resolve()) for p in paths)
    taken: set[str] = set()
    out = []
    for stem, _, path in found:
        name = _unique(safe_name(stem), taken)
        out.append(CountyInput(name=name, path=path, kind=_kind(path),
                               sha256=_hash_or_none(path), size=_size(path)))
    return out, ignored


# ---------------------------------------------------------------------------- helpers
def _scan(root: Path, excluded: set[Path], ignored: list[dict[str, str]]) -> list[Path]:
    paths = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith((".", "~$")):
            continue
        if entry.resolve() in excluded:
            ignored.append({"path": str(entry), "reason": "the batch's output folder"})
        elif entry.is_dir():
            if is_county_folder(entry):
                paths.append(entry)
            else:
                ignored.append({"path": str(entry), "reason": "folder without a schools table"})
        elif entry.suffix.lower() in INPUT_SUFFIXES:
            paths.append(entry)
        else:
            ignored.append({"path": str(entry), "reason": "not a county file "
                            f"({', '.join(INPUT_SUFFIXES)} or a folder of CSVs)"})
    return paths


def _stem(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def _kind(path: Path) -> str:
    if path.is_dir():
        return "folder"
    return "table" if path.suffix.lower() in _TABLE_SUFFIXES else "workbook"


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` … if taken (case-insensitively: macOS and
    Windows folders ignore case)."""
    candidate, i = name, 1
    while candidate.casefold() in taken:
        i += 1
        candidate = f"{name}-{i}"
    taken.add(candidate.casefold())
    return candidate


def _visible_files(folder: Path) -> Iterable[Path]:
    for entry in folder.iterdir():
        if entry.name.startswith((".", "~$")):
            continue
        if entry.is_dir():
            yield from _visible_files(entry)
        elif entry.is_file():
            yield entry


def _file_digest(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h


def _hash_or_none(path: Path) -> str | None:
    try:
        return content_hash(path)
    except OSError:
        return None


def _size(path: Path) -> int:
    try:
        if path.is_dir():
            return sum(f.stat().st_size for f in _visible_files(path))
        return path.stat().st_size
    except OSError:
        return 0
