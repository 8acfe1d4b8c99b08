"""The plan workbook a bureau reads: one sheet per table, in English or Chinese."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pandas as pd

from staffing._cells import csv_escape_frame
from staffing._excel import write_frames
from staffing._gc import gc_paused
from staffing._io import atomic_dir
from staffing.balance import balance_once
from staffing.i18n import check_lang, untranslate

if TYPE_CHECKING:
    from staffing.plan import Plan

__all__ = ["write_plan_excel", "write_plan_dir", "read_plan_decisions", "SHEET_LABELS",
           "SHEET_BLOCKS", "sheets_left_out"]

#: Sheet names in each language, in the order they appear.
SHEET_LABELS: dict[str, tuple[str, str]] = {
    "summary": ("summary", "概要"),
    "quotas": ("quotas", "编制调整"),
    "pool": ("pool", "周转池"),
    "moves": ("moves", "交流轮岗"),
    "coverage": ("coverage", "学科需求"),
    "unmet": ("unmet", "学科缺口"),
    "clusters": ("clusters", "学校共同体"),
    "shadow": ("shadow training", "跟岗培训"),
    "transfers": ("transfers", "跨校竞聘"),
    "posts_by_level": ("posts by level", "岗位结构"),
    "explain": ("explain", "规则说明"),
    "balance": ("balance", "优质均衡"),
    # multi-year plans only (optimize(horizon=…))
    "years": ("years", "逐年概览"),
    "hires": ("hires", "招聘计划"),
    "quota_path": ("quotas by year", "逐年编制"),
    "retirements": ("retirements", "退休"),
    "early_retirement": ("early retirement", "提前退休"),
    "cover_by_year": ("subject cover by year", "逐年学科需求"),
    "projection": ("enrolment projection", "学生数预测"),
}


#: The block of the model (``plan.blocks``) each sheet comes from, for the sheets
#: whose block a county's data, the policy or the options can switch off.
SHEET_BLOCKS: dict[str, str] = {
    "moves": "rotation", "coverage": "subject_cover", "unmet": "subject_cover",
    "clusters": "clusters", "shadow": "clusters", "transfers": "transfers",
    "hires": "hiring", "retirements": "retirements", "early_retirement": "early_retirement",
    "cover_by_year": "hiring", "posts_by_level": "post_levels",
}


def write_plan_excel(plan: Plan, path: str | Path, lang: str = "en") -> None:
    """Write ``plan`` to ``path`` as an .xlsx workbook (atomically).

    Sheets, in order: summary, quotas, pool, moves, coverage, unmet, clusters,
    shadow training, transfers, explain, balance (优质均衡), and for a multi-year plan years, hires,
    quotas by year, retirements, subject cover by year, enrolment projection — with
    Chinese sheet names, headers and labels when ``lang="zh"``. Every sheet has its
    header row: a table that is empty because its block of the model was off (a
    county without teachers has no moves, cover, hires or retirements; no transfer
    requests, no transfers) is left out, with a line on the summary sheet saying why
    and what would switch it on.
    """
    col = 0 if check_lang(lang) == "en" else 1
    with gc_paused():  # the tables and cells live until written: no cycles to look for
        with balance_once(plan):  # the balance sheet, explain and metrics read it
            tables = plan.tables(lang)
        left_out = sheets_left_out(plan, tables)
        notes = [_left_out_line(SHEET_LABELS[key][col], row, lang)
                 for key, row in left_out.items()]
        if notes:
            summary = tables["summary"]
            extra = pd.DataFrame({summary.columns[0]: notes, summary.columns[1]: "",
                                  summary.columns[2]: ""})
            tables = {**tables, "summary": pd.concat([summary, extra], ignore_index=True)}
        write_frames(path, {SHEET_LABELS[key][col]: tables[key] for key in SHEET_LABELS
                            if key in tables and key not in left_out})


def sheets_left_out(plan: Plan, tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """The sheets the workbook leaves out, each with its row of ``plan.blocks``: empty
    tables whose block of the model was off."""
    blocks = plan.blocks.set_index("block")
    return {key: blocks.loc[block] for key, block in SHEET_BLOCKS.items()
            if key in tables and tables[key].empty and block in blocks.index
            and not bool(blocks.at[block, "on"])}


def _left_out_line(sheet: str, row: pd.Series, lang: str) -> str:
    if lang == "zh":
        return (f"未输出工作表“{sheet}”:{row['name_zh']}未启用({row['reason_zh']});"
                f"{row['switch_on_zh']}")
    return (f"Sheet “{sheet}” left out: {row['name']} is off ({row['reason']}); "
            f"to switch it on: {row['switch_on']}")


def write_plan_dir(plan: Plan, path: str | Path, *, format: str = "csv",
                   lang: str = "en") -> Path:
    """Write every table of ``plan`` as one file per table in folder ``path``.

    ``format`` is ``"csv"`` (UTF-8 with BOM, so Excel opens Chinese text; a text
    cell beginning with ``= + - @``, tab or carriage return gets a leading ``'`` so
    no spreadsheet evaluates it, see :mod:`staffing._cells`) or
    ``"parquet"`` (needs pyarrow: ``pip install staffing[parquet]``). File names are
    the English table keys (``quotas.csv``, ``moves.csv``, …) whatever ``lang`` the
    headers are in. The folder is replaced atomically.
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    with gc_paused(), balance_once(plan):
        tables = plan.tables(lang)
    with atomic_dir(path) as tmp:
        for key, frame in tables.items():
            if format == "csv":
                csv_escape_frame(frame).to_csv(tmp / f"{key}.csv", index=False,
                                               encoding="utf-8-sig")
            else:
                frame.astype({c: str for c in frame.columns if frame[c].dtype == object}
                             ).to_parquet(tmp / f"{key}.parquet", index=False)
    return Path(path)


#: Columns :func:`read_plan_decisions` needs from each sheet (English keys).
DECISION_COLUMNS: dict[str, tuple[str, ...]] = {
    "moves": ("teacher_id", "from_school", "to_school", "kind"),
    "hires": ("school_id", "subject", "year", "count"),
}


def read_plan_decisions(path: str | Path) -> SimpleNamespace:
    """The moves and hires of a plan workbook :func:`write_plan_excel` wrote.

    Either language: sheet names, headers and the ``kind`` and ``subject`` codes are
    read back to their English keys. A sheet the workbook does not have (a quota-only
    plan has no moves; a one-year plan no hires) gives an empty table. For
    ``optimize(warm_start=…)``: yesterday's plan as the start of today's.

    Returns
    -------
    types.SimpleNamespace
        ``moves`` (teacher_id, from_school, to_school, kind) and ``hires`` (school_id,
        subject, year, count), ids as text.

    Raises
    ------
    ValueError
        If a sheet lacks one of those columns (not a workbook of this library).
    """
    path = Path(path)
    with pd.ExcelFile(path) as book:
        names = set(book.sheet_names)
        out = {}
        for key, columns in DECISION_COLUMNS.items():
            sheet = next((n for n in SHEET_LABELS[key] if n in names), None)
            if sheet is None:
                out[key] = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
                continue
            frame = untranslate(pd.read_excel(book, sheet_name=sheet, dtype=str))
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{path.name}, sheet {sheet!r}: no column "
                                 f"{', '.join(missing)} — not a plan workbook of staffing")
            out[key] = frame[list(columns)].copy()
    hires = out["hires"]
    for col in ("year", "count"):
        hires[col] = pd.to_numeric(hires[col]).astype("int64")
    return SimpleNamespace(**out)
