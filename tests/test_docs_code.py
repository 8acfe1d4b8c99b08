"""Every ```python block of README.md and docs/*.md runs, in order, one namespace per file.

Blocks tagged ```` ```python no-run ```` are skipped (code that needs the reader's own
files). Blocks run with the repository root as the working directory — through a
scratch directory that mirrors the root with symbolic links, so relative paths such
as ``examples/data/demo_county.xlsx`` resolve as in the repository while files the
examples write (``plan.xlsx``, ``clusters.png``) land in the scratch directory and not
in the checkout.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
# The Chinese pages (docs/zh/) are not run again: tests/test_docs_site.py checks that
# their python blocks equal, block for block, those of their English pages run here.
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: A fenced block at the start of a line: ```python [tags]\n … \n```
FENCE = re.compile(r"^```[ \t]*python\b([^\n]*)\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of each runnable python block of a Markdown text."""
    blocks = []
    for m in FENCE.finditer(text):
        if "no-run" in m.group(1).split():
            continue
        blocks.append((text.count("\n", 0, m.start()) + 2, m.group(2)))
    return blocks


def test_fence_parser_finds_blocks_and_skips_no_run():
    text = ("intro ```python inline``` text\n"
            "```python\nx = 1\n```\n"
            "```python no-run\nopen('mine.xlsx')\n```\n"
            "```bash\nls\n```\n"
            "```python\ny = x + 1\n```\n")
    assert [code for _, code in python_blocks(text)] == ["x = 1\n", "y = x + 1\n"]
    assert [line for line, _ in python_blocks(text)] == [3, 12]


@pytest.fixture
def in_repo_mirror(tmp_path, monkeypatch):
    """cwd = a scratch directory whose entries link to the repository root's."""
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") and entry.name not in (".ci",):
            continue
        (tmp_path / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("path", DOCS, ids=[p.relative_to(ROOT).as_posix() for p in DOCS])
def test_python_blocks_run(path: Path, in_repo_mirror):
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    if not blocks:
        pytest.skip(f"no python blocks in {path.name}")
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    for line, code in blocks:
        try:
            exec(compile(code, f"{path.relative_to(ROOT)}:{line}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(
                f"{path.relative_to(ROOT)}, block at line {line} failed: "
                f"{type(exc).__name__}: {exc}") from exc
    assert os.getcwd() == str(in_repo_mirror)
