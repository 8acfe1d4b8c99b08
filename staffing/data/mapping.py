"""Map a user's own headers and codes onto the schema: an adapter as two dictionaries.

A national school list rarely uses the schema's headers (``KODSEKOLAH`` for
``school_id``) or codes (``Luar Bandar`` for ``rural``). :func:`map_tables` renames
the columns a ``columns`` mapping names and recodes the cells a ``values`` mapping
names, and checks the mapping itself; :meth:`staffing.County.from_frames` then
validates the result as any other table, naming each problem's column as the user
wrote it and the schema column it became (``ENROLMEN (→ pupils_primary)``).

Mapping problems (a key naming no column, two columns mapped to one, a target not in
the schema, a code mapped to a value the schema does not allow) are returned, not
raised, so that they are reported together with every problem in the cells.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"KOD": ["S1", "S2"], "LOKASI": ["Bandar", "Luar Bandar"]})
>>> mapped = map_tables(raw, columns={"KOD": "school_id", "LOKASI": "location"},
...                     values={"location": {"Bandar": "urban", "Luar Bandar": "rural"}})
>>> mapped.schools.to_dict("list")
{'school_id': ['S1', 'S2'], 'location': ['urban', 'rural']}
>>> mapped.shown["schools"]["location"]
'LOKASI (→ location)'
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from staffing.data.enrolment import BY_LEVEL, is_grade_target
from staffing.data.marks import Unknown
from staffing.data.schema import Column, columns_for
from staffing.errors import Problem

__all__ = ["MappedTables", "map_tables"]

#: The tables a mapping applies to, in the order problems are reported.
_TABLES: tuple[str, ...] = ("schools", "teachers")

#: Rows named in a problem about a mapped code before "…".
_ROWS_SHOWN = 5

#: What a ``columns`` entry that maps no column was to supply, beyond its own target:
#: one enrolment column fills both stage totals (:mod:`staffing.data.enrolment`).
_SUPPLIES: dict[str, tuple[str, ...]] = {BY_LEVEL: ("pupils_primary", "pupils_junior")}


@dataclass(frozen=True)
class MappedTables:
    """Tables with the user's mapped headers renamed and codes recoded.

    Attributes
    ----------
    schools, teachers : the renamed tables (``teachers`` None when not given); columns
        not mapped are kept as they were, for validation to recognise or ignore.
    shown : ``{table: {schema column: "USER (→ column)"}}``: how problems name them.
    sources : ``{table: {schema column: user header}}``.
    problems : problems in the mapping itself (no row), in the order found.
    notes : one per constant and per fallback between columns, saying what it filled.
    unsupplied : the schema columns that ``columns`` entries naming no column were to
        supply: a missing-column problem about them repeats the mapping's problem.
    """

    schools: pd.DataFrame
    teachers: pd.DataFrame | None
    shown: dict[str, dict[str, str]]
    sources: dict[str, dict[str, str]]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)
    unsupplied: set[str] = field(default_factory=set)


def map_tables(
    schools: pd.DataFrame,
    teachers: pd.DataFrame | None = None,
    *,
    columns: Mapping[str | tuple[str, ...], str | Sequence[str] | None] | None = None,
    values: Mapping[str, Mapping[object, object]] | None = None,
    constants: Mapping[str, object] | None = None,
    source: str = "<DataFrame>",
    rows: Mapping[str, Sequence[int]] | None = None,
) -> MappedTables:
    """Rename mapped headers and recode mapped codes of the schools and teachers tables.

    Parameters
    ----------
    schools, teachers : DataFrame
        The tables as the user has them.
    columns : mapping, optional
        ``{user header: schema column}``. Each header is looked up in both tables
        (exactly, then ignoring case and surrounding spaces) and renamed where the
        target is a column of that table. A list of targets copies the column into
        each (``{"GURU": ["staff_in_post", "approved_quota"]}``); ``None`` drops a
        column the schema would otherwise mistake for one of its own. A tuple of
        headers as the key takes the first non-blank cell of them, in order
        (``{("DUN", "PARLIMEN"): "township"}``). Besides the schema's columns, a schools
        header may map to ``grade_1``, ``grade_2`` … (that grade's pupils) or to
        ``pupils`` (one enrolment column, put into the stage of the school's level),
        which :func:`staffing.data.enrolment.complete_schools` reads.
    values : mapping, optional
        ``{schema column or mapped user header: {user code: schema code}}``. A cell
        equal to a user code (exactly, else as text ignoring case and spaces) becomes
        the schema code; other cells stay as they are.
    constants : mapping, optional
        ``{schema column: value}`` for a column the tables do not have, the same for
        every row (``{"pupils_junior": 0}`` for a primary-only list); a constant for a
        column the table has is a problem.
    source : str
        Named in every problem.
    rows : mapping, optional
        ``{table: [row, ...]}``: the row of ``source`` of each data row, as a problem
        about a mapped code lists the rows holding it; header row 1, data from row 2 by
        default.

    Returns
    -------
    MappedTables
    """
    frames = {"schools": schools, "teachers": teachers}
    for table, frame in frames.items():
        if frame is not None and not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{table} must be a pandas DataFrame, not {type(frame).__name__}")
    present = [t for t in _TABLES if frames[t] is not None]
    problems: list[Problem] = []
    notes: list[Problem] = []
    columns = _fallbacks(frames, present, dict(columns or {}), source, problems, notes)
    unsupplied: set[str] = set()
    renames = _resolve_columns(frames, present, columns, source, problems, unsupplied)
    out: dict[str, pd.DataFrame | None] = {"schools": None, "teachers": None}
    shown: dict[str, dict[str, str]] = {t: {} for t in _TABLES}
    sources: dict[str, dict[str, str]] = {t: {} for t in _TABLES}
    for table in present:
        frame = frames[table]
        assert frame is not None
        out[table] = _renamed(frame, renames[table])
        for position, targets in renames[table].items():
            written = str(frame.columns[position]).strip()
            for target in targets:
                shown[table][target] = f"{written} (→ {target})"
                sources[table][target] = written
    numbers = {t: np.arange(2, len(frames[t]) + 2) for t in present}  # type: ignore[arg-type]
    numbers |= {t: np.asarray(r) for t, r in dict(rows or {}).items() if t in present}
    _recode(out, present, dict(values or {}), columns, source, problems, numbers)
    _constants(out, present, dict(constants or {}), shown, sources, source, problems, notes)
    assert out["schools"] is not None
    return MappedTables(out["schools"], out["teachers"], shown, sources, problems, notes,
                        unsupplied)


# ---------------------------------------------------------------------------- columns
def _key(text: object) -> str:
    return str(text).strip().casefold()


def _find(frame: pd.DataFrame, header: str) -> int | None:
    """Position of ``header`` among the frame's columns: exact, else case/space-blind."""
    written = [str(h) for h in frame.columns]
    if header in written:
        return written.index(header)
    loose = [_key(h) for h in written]
    return loose.index(_key(header)) if _key(header) in loose else None


def _targets(value: object) -> tuple[str, ...] | None:
    """The schema columns a ``columns`` entry names; None if it is not a name or list."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _allowed(table: str, target: str) -> bool:
    """Whether ``target`` is a column of ``table`` or a schools pseudo-column that
    :mod:`staffing.data.enrolment` reads (``grade_3``, ``pupils``)."""
    if any(c.name == target for c in columns_for(table)):
        return True
    return table == "schools" and (target == BY_LEVEL or is_grade_target(target))


def _blank(cells: pd.Series) -> np.ndarray:
    """Cells that are empty: missing, or text of only spaces."""
    text = cells.map(lambda v: isinstance(v, str) and not v.strip())
    return (cells.isna() | text.astype(bool)).to_numpy()


def _fallbacks(frames: dict[str, pd.DataFrame | None], present: list[str],
               columns: dict[object, object], source: str, problems: list[Problem],
               notes: list[Problem]) -> dict[str, object]:
    """``columns`` with each tuple key (first non-blank of these headers) replaced by a
    column added to its table under the name ``"A, else B"``; notes say how many rows
    each later header filled."""
    out: dict[str, object] = {}
    for key, value in columns.items():
        if not isinstance(key, tuple):
            out[str(key)] = value
            continue
        headers = [str(h) for h in key]
        label = ", else ".join(headers)
        table = next((t for t in present if all(_find(frames[t], h) is not None  # type: ignore[arg-type]
                                                 for h in headers)), None)
        if table is None or not headers:
            missing = next((h for h in headers if all(
                _find(frames[t], h) is None for t in present)), label)  # type: ignore[arg-type]
            problems.append(Problem(source, "", None, label, None,
                                    _no_such_header(missing, frames, present,
                                                    _targets(value) or ())))
            continue
        frame = frames[table]
        assert frame is not None
        cells = frame.iloc[:, _find(frame, headers[0])].astype(object)  # type: ignore[call-overload]
        used = []
        for header in headers[1:]:
            blank = _blank(cells)
            used.append(f"{int(blank.sum())} rows from {header}")
            other = frame.iloc[:, _find(frame, header)]  # type: ignore[call-overload]
            cells = cells.where(~blank, other.astype(object))
        named = {_key(h) for k in columns if not isinstance(k, tuple) for h in (k,)}
        kept = [j for j, h in enumerate(frame.columns)
                if _key(h) not in {_key(x) for x in headers} or _key(h) in named]
        frames[table] = frame.iloc[:, kept].assign(**{label: cells.to_numpy()})
        out[label] = value
        notes.append(Problem(source, table, None, label, None,
                             f"the first non-blank of {', '.join(headers)} (依次取第一个非空值): "
                             f"{'; '.join(used)}, where the ones before were blank"))
    return out


def _constants(out: dict[str, pd.DataFrame | None], present: list[str],
               constants: dict[str, object], shown: dict[str, dict[str, str]],
               sources: dict[str, dict[str, str]], source: str, problems: list[Problem],
               notes: list[Problem]) -> None:
    """Add each constant column to the tables that have it in their schema."""
    for name, value in constants.items():
        tables = [t for t in present if any(c.name == str(name) for c in columns_for(t))]
        if not tables:
            problems.append(Problem(source, "", None, f"constants[{name!r}]", value,
                                    f"{name} is not a column of the "
                                    f"{' or '.join(present)} table (see docs/data.md)"))
            continue
        for table in tables:
            frame = out[table]
            assert frame is not None
            column = next(c for c in columns_for(table) if c.name == str(name))
            there = _positions(frame, column)
            if there:
                problems.append(Problem(
                    source, table, None, f"constants[{name!r}]", value,
                    f"the {table} table has a column for {name} already "
                    f"({shown[table].get(column.name, str(frame.columns[there[0]]))!r}); "
                    "give the constant or the column, not both"))
                continue
            out[table] = frame.assign(**{column.name: [value] * len(frame)})
            sources[table][column.name] = f"constant {value!r}"
            shown[table][column.name] = f"constant {value!r} (→ {column.name})"
            notes.append(Problem(source, table, None, shown[table][column.name], value,
                                 "the same value for every row, from constants (常量)"))


def _resolve_columns(frames: dict[str, pd.DataFrame | None], present: list[str],
                     columns: dict[str, object], source: str, problems: list[Problem],
                     unsupplied: set[str]) -> dict[str, dict[int, tuple[str, ...]]]:
    """``{table: {column position: targets}}``; problems in the mapping appended, and the
    targets of an entry naming no column added to ``unsupplied``."""
    renames: dict[str, dict[int, tuple[str, ...]]] = {t: {} for t in present}
    claimed: dict[str, dict[str, str]] = {t: {} for t in present}  # target → user header
    for header, value in columns.items():
        targets = _targets(value)
        if targets is None:
            problems.append(Problem(source, "", None, str(header), value,
                                    "columns maps a header to a schema column name, a list "
                                    "of them, or None (drop the column)"))
            continue
        found = {t: _find(frames[t], str(header)) for t in present}  # type: ignore[arg-type]
        found = {t: p for t, p in found.items() if p is not None}
        if not found:
            problems.append(Problem(source, "", None, str(header), None,
                                    _no_such_header(str(header), frames, present, targets)))
            unsupplied.update(c for g in targets for c in _SUPPLIES.get(g, (g,)))
            continue
        fitting = {t: p for t, p in found.items() if all(_allowed(t, g) for g in targets)}
        if not fitting:
            table = next(iter(found))
            problems.append(Problem(source, table, None, str(header), ", ".join(targets),
                                    _unknown_targets(targets, found)))
            continue
        for table, position in fitting.items():
            for target in targets:
                other = claimed[table].get(target)
                if other is not None:
                    problems.append(Problem(
                        source, table, None, str(header), target,
                        f"{other!r} and {str(header)!r} are both mapped to {target}; map "
                        "one of them"))
                    continue
                claimed[table][target] = str(header)
            renames[table][position] = targets
    return renames


def _no_such_header(header: str, frames: dict[str, pd.DataFrame | None],
                    present: list[str], targets: Sequence[str] = ()) -> str:
    written = list(dict.fromkeys(
        str(h) for t in present for h in frames[t].columns))  # type: ignore[union-attr]
    tables = " nor the ".join(present)
    maps = f"columns maps {header!r}" + (f" to {', '.join(targets)}" if targets else "")
    rule = f"{maps}, but neither the {tables} table has such a column"
    if len(present) == 1:
        rule = f"{maps}, but the {present[0]} table has no such column"
    close = difflib.get_close_matches(header, written, n=1, cutoff=0.6)
    if close:
        rule += f"; did you mean {close[0]!r}?"
    return rule + "; columns are: " + ", ".join(written)


def _unknown_targets(targets: tuple[str, ...], found: dict[str, int]) -> str:
    tables = list(found)
    names = [c.name for t in tables for c in columns_for(t)]
    bad = [g for g in targets if g not in names] or list(targets)
    rule = (f"{', '.join(bad)} is not a column of the {' or '.join(tables)} table "
            "(see docs/data.md)")
    close = difflib.get_close_matches(bad[0], names, n=1, cutoff=0.6)
    if close:
        rule += f"; did you mean {close[0]}?"
    return rule


def _renamed(frame: pd.DataFrame, renames: dict[int, tuple[str, ...]]) -> pd.DataFrame:
    """The frame with mapped columns renamed (copied for several targets, dropped for
    none), every other column kept in place; the index as it was."""
    names: list[object] = []
    parts: list[pd.Series] = []
    for j, header in enumerate(frame.columns):
        for name in renames.get(j, (header,)):
            names.append(name)
            parts.append(frame.iloc[:, j])
    out = pd.DataFrame({i: part for i, part in enumerate(parts)}, index=frame.index)
    out.columns = names
    return out


# ---------------------------------------------------------------------------- values
def _cell_key(value: object) -> object:
    """A cell or mapping code as compared loosely: text stripped and casefolded, whole
    numbers without a decimal point (``1.0`` in a CSV is the code ``1``)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    if isinstance(value, (bool, np.bool_)):
        return value
    return _key(value)


def _recode(frames: dict[str, pd.DataFrame | None], present: list[str],
            values: dict[str, Mapping[object, object]], columns: dict[str, object],
            source: str, problems: list[Problem], rows: dict[str, np.ndarray]) -> None:
    """Replace mapped codes in place in ``frames``; problems appended. A cell whose code
    is mapped to a value the column does not allow becomes :class:`Unknown`: the one
    problem about the mapping counts and lists its rows, and validation says no more."""
    for key, codes in values.items():
        where = _value_targets(str(key), frames, present, columns)
        known = any(c.name == str(key) for t in _TABLES for c in columns_for(t))
        if not where and not known:  # a schema column of a table not given is no typo
            problems.append(Problem(source, "", None, f"values[{key!r}]", None,
                                    f"values maps codes of {key!r}, which is neither a "
                                    "schema column nor a header mapped by columns"))
            continue
        if not isinstance(codes, Mapping):
            problems.append(Problem(source, "", None, f"values[{key!r}]", None,
                                    "values maps a column to a dictionary {user code: code}"))
            continue
        for table, target in where:
            column = next(c for c in columns_for(table) if c.name == target)
            good, bad = _check_codes(codes, column)
            frame = frames[table]
            assert frame is not None
            marks = {code: Unknown(f"values[{str(key)!r}][{code!r}] maps to {to!r}, not "
                                   f"an allowed {column.name}") for code, to in bad.items()}
            held = {code: np.zeros(len(frame), dtype=bool) for code in bad}
            for j in _positions(frame, column):
                recoded = _apply(frame.iloc[:, j], good | marks)
                for code, mark in marks.items():
                    held[code] |= recoded.map(lambda v, m=mark: v is m).to_numpy(dtype=bool)
                frame.isetitem(j, recoded)
            problems += [Problem(source, table, None, f"values[{key!r}][{code!r}]", to,
                                 _bad_code_rule(column, to, code, rows[table][held[code]]))
                         for code, to in bad.items()]


def _value_targets(key: str, frames: dict[str, pd.DataFrame | None], present: list[str],
                   columns: dict[str, object]) -> list[tuple[str, str]]:
    """(table, schema column) pairs whose cells ``values[key]`` recodes."""
    targets = (key,)
    if key in columns and _targets(columns[key]):
        targets = _targets(columns[key]) or ()
    out = []
    for table in present:
        for column in columns_for(table):
            if column.name in targets and _positions(frames[table], column):  # type: ignore[arg-type]
                out.append((table, column.name))
    return out


def _positions(frame: pd.DataFrame, column: Column) -> list[int]:
    """Positions of the frame's columns that are ``column``: renamed to it, or under one
    of the headers the schema knows it by (``办学类型`` for ``level``)."""
    known = {_key(h) for h in column.headers()}
    return [j for j, h in enumerate(frame.columns) if _key(h) in known]


def _check_codes(codes: Mapping[object, object], column: Column
                 ) -> tuple[dict[object, object], dict[object, object]]:
    """The entries of ``codes`` whose target the column allows (all, unless a category),
    as the schema's codes, and the others as given."""
    if column.kind != "category":
        return dict(codes), {}
    spellings = column.spellings()
    good, bad = {}, {}
    for code, target in codes.items():
        if _key(target) in spellings:
            good[code] = spellings[_key(target)]
        else:
            bad[code] = target
    return good, bad


def _bad_code_rule(column: Column, target: object, code: object, rows: np.ndarray) -> str:
    """A code mapped to a value the column does not allow: the allowed values, the
    closest one, and the rows holding the code (not checked further until it is fixed)."""
    vocab = column.vocab or {}
    allowed = ", ".join(f"{c} ({label})" for c, label in vocab.items())
    rule = f"not an allowed {column.name}; allowed values: {allowed}"
    close = difflib.get_close_matches(_key(target), list(vocab), n=1, cutoff=0.6)
    if close:
        rule += f"; did you mean {close[0]!r}?"
    if not len(rows):
        return rule + f"; no row holds {code!r}"
    shown = ", ".join(str(int(r)) for r in rows[:_ROWS_SHOWN])
    more = ", …" if len(rows) > _ROWS_SHOWN else ""
    n = len(rows)
    return (rule + f"; {n} row{'s' if n != 1 else ''} hold{'s' if n == 1 else ''} "
            f"{code!r} (row{'s' if n != 1 else ''} {shown}{more}): "
            "not checked further until this is fixed / 代码映射到不允许的值，相关行暂不校验")


def _apply(cells: pd.Series, codes: dict[object, object]) -> pd.Series:
    """Cells recoded by ``codes``: exact matches first, then loose ones; others kept."""
    exact = {k: v for k, v in codes.items() if isinstance(k, str | int | float | bool)}
    loose = {_cell_key(k): v for k, v in codes.items()}
    cells = cells.astype(object)
    by_exact = cells.map(lambda v: exact.get(v) if isinstance(v, str | int | float) else None,
                         na_action="ignore")
    by_loose = cells.map(lambda v: loose.get(_cell_key(v)), na_action="ignore")
    return by_exact.where(by_exact.notna(), by_loose.where(by_loose.notna(), cells))
