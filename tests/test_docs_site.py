"""The documentation site builds strictly, covers every public name, and rots loudly.

The whole site is built once per run (``built_site``, ``mkdocs build --strict`` as
``make docs`` runs it, into a temporary folder); the checks that a broken link or an
undocumented function fails the build use a tiny MkDocs project of their own, with the
validation settings of ``mkdocs.yml``, so they take a second or two each.
"""

from __future__ import annotations

import dataclasses
import doctest
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

# The fence pattern of the docs code-block runner: a python block with its tags
from test_docs_code import FENCE  # tests/ is on sys.path under pytest

import staffing
from staffing import Policy

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ZH = DOCS / "zh"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
INSTALL = 'the docs extra is missing: pip install -e ".[docs]" (make test installs it)'



def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


hooks = load_module(DOCS / "hooks.py", "staffing_docs_hooks")


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess:
    try:
        import mkdocs  # noqa: F401
    except ImportError:  # fail, not skip: `make test` must build the site
        pytest.fail(INSTALL)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site),
         "--config-file", str(project / "mkdocs.yml")],
        cwd=project, capture_output=True, text=True, timeout=900, env=ENV)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    done = mkdocs_build(ROOT, site)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-4000:]}"
    return site


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def public_names() -> list[str]:
    return [n for n in staffing.__all__
            if not n.startswith("_") and not isinstance(getattr(staffing, n), ModuleType)]


# --- the site ----------------------------------------------------------------------


def test_every_public_name_and_module_has_a_rendered_reference(built_site):
    for name in public_names():
        assert f'id="staffing.{name}"' in page(built_site, f"api/{name}"), name
    for module in hooks.MODULES:
        text = page(built_site, f"api/{module}")
        assert f'id="staffing.{module}"' in text, module
        # each function of the module's __all__ is rendered with its docstring
        mod = getattr(staffing, module, None) or importlib.import_module(f"staffing.{module}")
        for fn in [n for n in mod.__all__ if callable(getattr(mod, n))]:
            obj = getattr(mod, fn)
            ids = {f'id="staffing.{module}.{fn}"', f'id="{obj.__module__}.{fn}"'}
            assert any(i in text for i in ids), f"{module}.{fn}"


def test_plan_reference_lists_its_tables(built_site):
    text = page(built_site, "api/Plan")
    rows = re.findall(r'<td><code><span title="staffing\.Plan\.(\w+)">\w+</span></code></td>'
                      r'\s*<td>\s*</td>\s*<td>\s*<div class="doc-md-description">\s*<p>(.*?)</p>',
                      text, re.DOTALL)
    described = {name: body for name, body in rows if body.strip()}
    # every table the README lists, with its description in the description column
    for table in ("quotas", "pool", "moves", "coverage", "unmet", "clusters", "shadow",
                  "hires", "quota_path", "years", "retirements"):
        assert table in described or f'id="staffing.Plan.{table}"' in text, table


def policy_rows(built_site) -> dict[str, str]:
    """Field name → the row's text, from the generated table of the Policy page."""
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", page(built_site, "api/Policy"), re.DOTALL):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                 for c in re.findall(r"<td>(.*?)</td>", tr, re.DOTALL)]
        if len(cells) == 5:
            rows[cells[0]] = " | ".join(cells)
    return rows


def source_comment(name: str) -> str:
    """The comment block above a field in staffing/policy.py, read as plain lines.

    A field with no comment right above it shares the block above the fields it is
    grouped with (no blank line between them).
    """
    lines = (ROOT / "staffing" / "policy.py").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if re.match(rf"    {name}: ", line))
    i = at - 1
    while re.match(r"\s+\w+: .*= _f\(", lines[i]) or lines[i].strip().startswith((")", '"')):
        i -= 1  # fields of the same group (and the tails of multi-line ones) above
    block = []
    while lines[i].strip().startswith("#") and not lines[i].strip().startswith("# ---"):
        block.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    return " ".join(block)


def test_policy_page_lists_every_field_with_default_and_source(built_site):
    rows = policy_rows(built_site)
    fields = dataclasses.fields(Policy)
    assert sorted(rows) == sorted(f.name for f in fields)
    for f in fields:
        row = re.sub(r"\s+", " ", rows[f.name])
        assert repr(f.default) in row, f"{f.name}: default {f.default!r} not in {row[:200]}"
        source = source_comment(f.name)
        assert source, f"{f.name}: no comment above it in staffing/policy.py"
        assert re.sub(r"\s+", " ", source.replace("`", "")) in row.replace("`", ""), f.name


def test_notebooks_are_rendered_with_their_outputs(built_site):
    for nb in sorted((ROOT / "examples").glob("[0-9]*.ipynb")):
        text = page(built_site, f"examples/{nb.stem}")
        assert "jp-OutputArea-output" in text, nb.name
        assert "Traceback" not in text, nb.name
    assert "data:image/png" in page(built_site, "examples/01_quickstart"), "plots render"


def test_chinese_pages_are_built_searchable_and_linked_to_english(built_site):
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    located = {d["location"].split("#")[0] for d in index["docs"]}
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("zh/"))
    assert "\u200b" in text, "jieba should segment the Chinese text for search"
    for zh in sorted(ZH.glob("*.md")):
        url = "zh/" if zh.stem == "index" else f"zh/{zh.stem}/"
        assert url in located, url
        assert 'href="../' in page(built_site, url.rstrip("/")) and ">English</a>" in page(
            built_site, url.rstrip("/")), url


# --- the strict build fails ----------------------------------------------------------


def tiny_project(tmp_path: Path, pages: dict[str, str], hook: str | None = None) -> Path:
    """A MkDocs project with mkdocs.yml's strictness and validation, and given pages."""
    import yaml

    tmp_path.mkdir(parents=True, exist_ok=True)
    real = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    validation = yaml.safe_load(real)["validation"]
    config = {"site_name": "tiny", "strict": True, "validation": validation,
              "theme": {"name": "material"}, "nav": list(pages)}
    if hook:
        (tmp_path / "hook.py").write_text(hook, encoding="utf-8")
        config["hooks"] = ["hook.py"]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (tmp_path / "docs").mkdir()
    for name, text in pages.items():
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_tiny_project_builds_when_nothing_is_wrong(tmp_path):
    project = tiny_project(tmp_path, {"index.md": "# Home\n\n[other](other.md)\n",
                                      "other.md": "# Other\n"})
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode == 0, done.stderr


def test_a_broken_link_fails_the_strict_build(tmp_path):
    project = tiny_project(tmp_path, {"index.md": "# Home\n\n[gone](missing.md)\n"})
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "missing.md" in done.stderr


def test_a_broken_anchor_fails_the_strict_build(tmp_path):
    project = tiny_project(tmp_path, {"index.md": "# Home\n\n[gone](other.md#nowhere)\n",
                                      "other.md": "# Other\n"})
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "nowhere" in done.stderr


PLANTED = '''\
"""A planted module."""

__all__ = ["documented", "undocumented", "Thing"]


def documented():
    """Has a docstring."""


def undocumented():
    return 1


class Thing:
    """Documented class."""

    def method(self):
        pass

    @property
    def table(self):
        return None

    def _private(self):
        pass
'''


def test_docstring_check_names_each_undocumented_public_function_and_member(tmp_path):
    path = tmp_path / "planted_mod.py"
    path.write_text(PLANTED, encoding="utf-8")
    planted = load_module(path, "planted_mod")
    assert hooks.missing_docstrings(planted) == [
        "planted_mod.undocumented", "planted_mod.Thing.method", "planted_mod.Thing.table"]


def test_an_undocumented_public_function_fails_the_strict_build(tmp_path):
    (tmp_path / "planted_mod.py").write_text(PLANTED, encoding="utf-8")
    hook = textwrap.dedent(f"""\
        import importlib.util, sys
        sys.path.insert(0, {str(tmp_path)!r})
        spec = importlib.util.spec_from_file_location("site_hooks", {str(DOCS / "hooks.py")!r})
        site_hooks = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(site_hooks)

        def on_pre_build(config):
            sys.path.insert(0, {str(tmp_path)!r})
            import planted_mod
            for name in site_hooks.missing_docstrings(planted_mod):
                site_hooks.log.warning("no docstring: " + name)
        """)
    project = tiny_project(tmp_path / "p", {"index.md": "# Home\n"}, hook=hook)
    done = mkdocs_build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "no docstring: planted_mod.undocumented" in done.stderr


def test_a_policy_field_without_a_source_comment_is_reported(tmp_path):
    path = tmp_path / "planted_policy.py"
    path.write_text(textwrap.dedent('''\
        from dataclasses import dataclass


        @dataclass(frozen=True)
        class P:
            """Planted."""

            # Chuxiong measure 10: 1 : 19.
            sourced: float = 19.0
            shares_the_comment: float = 13.5

            bare: int = 3
        '''), encoding="utf-8")
    planted = load_module(path, "planted_policy")
    sources = {r["name"]: r["source"] for r in hooks.policy_fields(planted.P)}
    assert sources == {"sourced": "Chuxiong measure 10: 1 : 19.",
                       "shares_the_comment": "Chuxiong measure 10: 1 : 19.", "bare": ""}


def test_every_policy_field_and_public_name_passes_the_site_checks():
    assert hooks.site_problems() == []


@pytest.mark.parametrize("name", ["hooks.py", "griffe_numpy.py"])
def test_build_helpers_docstring_examples_run(name):
    module = hooks if name == "hooks.py" else load_module(DOCS / name, "staffing_griffe_numpy")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


# --- Chinese pages -----------------------------------------------------------------


def fences(path: Path) -> list[tuple[str, str]]:
    return [(m.group(1).strip(), m.group(2)) for m in FENCE.finditer(path.read_text("utf-8"))]


ZH_PAGES = sorted(ZH.glob("*.md"))


def test_the_chinese_pages_a_planner_reads_first_exist():
    assert {p.stem for p in ZH_PAGES} >= {"quickstart", "data", "concepts", "reading", "faq"}


@pytest.mark.parametrize("zh", ZH_PAGES, ids=[p.name for p in ZH_PAGES])
def test_chinese_page_has_its_english_counterpart_with_the_same_code(zh):
    english = DOCS / zh.name
    assert english.exists(), f"docs/zh/{zh.name} has no English page docs/{zh.name}"
    assert fences(zh) == fences(english), f"python blocks of docs/zh/{zh.name} differ"


def test_every_page_is_in_the_nav():
    import yaml

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(re.findall(r"[\w/.-]+\.md", json.dumps(config["nav"], ensure_ascii=False)))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - {"api/index.md"} <= listed, sorted(pages - listed - {"api/index.md"})
