"""MkDocs hooks of the documentation site (``mkdocs.yml``: ``hooks: [docs/hooks.py]``).

What the hooks add to a plain MkDocs Material build, each generated, never copied:

- an API reference page for every public name: each entry of ``staffing.__all__`` and
  each module of :data:`MODULES`, appended to the nav under "API reference";
- the ``Policy`` page's field table, read from ``dataclasses.fields(Policy)`` and the
  source comment above each field in ``staffing/policy.py`` (:func:`policy_fields`);
- the example notebooks of ``examples/`` as pages (mkdocs-jupyter executes them);
- a link from each page to its translation (``docs/zh/x.md`` ↔ ``docs/x.md``);
- two checks that turn into build errors under ``--strict``: a public function, class,
  method or property without a docstring (:func:`missing_docstrings`), and a Policy
  field without a source comment.

Adding a public name to ``staffing.__all__`` adds its page; a new module page is one
entry of :data:`MODULES`; a new guide is one line of ``nav`` in ``mkdocs.yml`` (the
build fails on a page left out of the nav).
"""

from __future__ import annotations

import atexit
import dataclasses
import importlib
import inspect
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import tokenize
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

log = logging.getLogger("mkdocs.hooks.staffing")

#: Modules with a reference page of their own (their ``__all__``), beside the names of
#: ``staffing.__all__``.
MODULES: tuple[str, ...] = ("synth", "metrics", "balance", "rollup", "clusters", "transfers",
                           "batch")

#: Marker of docs/api/policy-fields.md replaced by the generated table of Policy fields.
POLICY_MARKER = "<!-- policy-fields -->"

#: Heading and language-switch label of each language; Chinese pages live in docs/zh/.
ZH_DIR = "zh"


# --- checks ------------------------------------------------------------------------


def _own_members(cls: type) -> list[tuple[str, Any]]:
    """Public methods and properties a class defines itself (not dataclass fields)."""
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    members = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in fields:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            members.append((name, value))
    return members


def missing_docstrings(module: ModuleType, names: list[str] | None = None) -> list[str]:
    """Public functions, classes, methods and properties of ``module`` without a docstring.

    Parameters
    ----------
    module : the module whose public names are checked.
    names : the names to check; default ``module.__all__`` (or every name not starting
        with ``_`` when the module has none). Constants are documented by the module's
        own docstring and are not checked.

    Returns
    -------
    list of str
        Dotted names (``staffing.plan.Plan.quotas``) lacking a docstring, in order.

    Examples
    --------
    >>> import types
    >>> m = types.ModuleType("m")
    >>> exec("def f():\\n    pass\\ndef g():\\n    '''Doc.'''", m.__dict__)
    >>> missing_docstrings(m, ["f", "g"])
    ['m.f']
    """
    if names is None:
        names = list(getattr(module, "__all__", [n for n in vars(module) if not n[0] == "_"]))
    missing = []
    for name in names:
        obj = getattr(module, name)
        if inspect.ismodule(obj):
            continue  # a module's own page checks it
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        where = f"{module.__name__}.{name}"
        if not (obj.__doc__ or "").strip():
            missing.append(where)
        if inspect.isclass(obj):
            missing += [f"{where}.{m}" for m, v in _own_members(obj)
                        if not ((v.__doc__ or "").strip())]
    return missing


def policy_fields(cls: type | None = None) -> list[dict[str, str]]:
    """Every Policy field: name, type, default, allowed range or choices, source comment.

    The source is the block of ``#`` comments above the field in ``staffing/policy.py``;
    a field right below another field shares the comment of the block it belongs to (as
    ``weight_teaching_point`` shares ``weight_rural``'s). Section banners (``# --- …``)
    are not part of a source. An empty ``source`` means the field has none. ``cls``:
    another dataclass read the same way (default :class:`staffing.Policy`).
    """
    from staffing.policy import Policy, _describe_range

    cls = Policy if cls is None else cls
    lines, _ = inspect.getsourcelines(cls)
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO("".join(lines)).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0] - 1] = tok.string
    rows = []
    previous = ""
    for f in dataclasses.fields(cls):
        at = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{f.name}:"))
        block = []
        i = at - 1
        while i >= 0 and i in comments and lines[i].strip().startswith("#"):
            text = comments[i].lstrip("#").strip()
            if text.startswith("---"):
                break
            block.insert(0, text)
            i -= 1
        if block:
            previous = " ".join(block)
        elif not (i >= 0 and re.match(r"\s*\w+\s*:", lines[i])):
            previous = ""  # a blank line or banner above: no comment to share
        source = " ".join(block) if block else previous
        meta = f.metadata
        if "range" in meta:
            allowed = _describe_range(meta["range"])
        elif "choices" in meta:
            allowed = "one or more of " if isinstance(f.default, tuple) else "one of "
            allowed += ", ".join(f"`{c}`" for c in meta["choices"])
        elif isinstance(f.default, bool):
            allowed = "true or false"
        else:
            allowed = ""
        rows.append({"name": f.name, "type": str(f.type), "default": repr(f.default),
                     "allowed": allowed, "source": source})
    return rows


def policy_fields_markdown() -> str:
    """The Markdown table of :func:`policy_fields` for the Policy reference page."""
    out = ["| field | type | default | allowed | source (comment in `staffing/policy.py`) |",
           "|---|---|---|---|---|"]
    for r in policy_fields():
        cells = [f"`{r['name']}`", f"`{r['type']}`", f"`{r['default']}`", r["allowed"],
                 r["source"]]
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"


def site_problems() -> list[str]:
    """Every public name without a docstring and every Policy field without a source."""
    import staffing

    problems = [f"no docstring: {n}" for n in missing_docstrings(staffing)]
    for name in MODULES:
        module = importlib.import_module(f"staffing.{name}")
        problems += [f"no docstring: {n}" for n in missing_docstrings(module)]
    problems += [f"Policy field without a source comment in staffing/policy.py: {r['name']}"
                 for r in policy_fields() if not r["source"]]
    return problems


# --- pages -------------------------------------------------------------------------


def api_pages() -> dict[str, str]:
    """Path under docs → Markdown of each generated API reference page, in nav order."""
    import staffing

    pages = {}
    for name in staffing.__all__:
        obj = getattr(staffing, name)
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        if name == "Policy":
            methods = [m for m, v in _own_members(obj) if not isinstance(v, property)]
            options = "    options:\n      members: [" + ", ".join(methods) + "]\n"
            pages["api/Policy.md"] = (
                f"# Policy\n\n::: staffing.Policy\n{options}\n"
                "## Fields\n\nEvery field of `Policy`, generated at build time from the "
                "dataclass and the comment above each field in `staffing/policy.py`.\n\n"
                f"{POLICY_MARKER}\n")
            continue
        pages[f"api/{name}.md"] = f"# {name}\n\n::: staffing.{name}\n"
    for name in MODULES:
        # members named from __all__: a function and a submodule may share a name
        # (staffing.transfers.audit), and griffe would otherwise show the submodule
        module = importlib.import_module(f"staffing.{name}")
        members = ", ".join(module.__all__)
        text = (f"# staffing.{name}\n\n::: staffing.{name}\n"
                f"    options:\n      members: [{members}]\n")
        for member in module.__all__:  # shadowed by a submodule of the same name
            obj = getattr(module, member)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and \
                    obj.__module__ == f"{module.__name__}.{member}":
                text += (f"\n::: {obj.__module__}.{member}\n"
                         "    options:\n      show_root_full_path: false\n")
        pages[f"api/{name}.md"] = text
    return pages


def notebooks() -> list[Path]:
    """The example notebooks rendered as pages, in file order."""
    return sorted((ROOT / "examples").glob("[0-9]*.ipynb"))


# --- MkDocs events -----------------------------------------------------------------


_KERNEL = "staffing-docs"
_kernel_dir: str | None = None


def _kernel_for_this_python() -> str:
    """A Jupyter kernel of *this* interpreter, in a temporary JUPYTER_PATH entry.

    The notebooks then run with the Python that builds the site (the one with staffing
    installed), not with whatever ``python3`` kernel a user-level Jupyter lists first.
    """
    global _kernel_dir
    if _kernel_dir is None:
        _kernel_dir = tempfile.mkdtemp(prefix="staffing-docs-kernel-")
        atexit.register(shutil.rmtree, _kernel_dir, True)
        spec = Path(_kernel_dir) / "kernels" / _KERNEL
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "staffing docs", "language": "python",
        }), encoding="utf-8")
        old = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [_kernel_dir, old]))
    return _KERNEL


def on_config(config):
    """Append the example notebooks and the API reference to the nav; pin the kernel."""
    jupyter = config["plugins"].get("mkdocs-jupyter")
    if jupyter is not None and not jupyter.config["kernel_name"]:
        jupyter.config["kernel_name"] = _kernel_for_this_python()
    nav = config["nav"]
    nav.append({"Examples": [f"examples/{p.name}" for p in notebooks()]})
    nav.append({"API reference": ["api/index.md", *api_pages()]})
    return config


def on_pre_build(config):
    """Report undocumented public names and unsourced Policy fields (errors with --strict)."""
    for problem in site_problems():
        log.warning(problem)


def _on_files(files, config):
    from mkdocs.structure.files import File

    for path, text in api_pages().items():
        files.append(File.generated(config, path, content=text))
    for nb in notebooks():
        files.append(File(f"examples/{nb.name}", src_dir=str(ROOT), dest_dir=config["site_dir"],
                          use_directory_urls=config["use_directory_urls"]))
    return files


try:  # run before mkdocs-jupyter's on_files, so the notebooks become notebook pages
    from mkdocs.plugins import event_priority

    on_files = event_priority(100)(_on_files)
except ImportError:  # pragma: no cover - mkdocs < 1.4 (pyproject's docs extra needs 1.6)
    on_files = _on_files


def translation(src_uri: str, existing: set[str]) -> tuple[str, str] | None:
    """(label, relative link) of a page's counterpart in the other language, if any.

    Examples
    --------
    >>> translation("zh/faq.md", {"faq.md", "zh/faq.md"})
    ('English', '../faq.md')
    >>> translation("faq.md", {"faq.md", "zh/faq.md"})
    ('简体中文', 'zh/faq.md')
    >>> translation("tutorial.md", {"tutorial.md"}) is None
    True
    """
    if src_uri.startswith(f"{ZH_DIR}/"):
        other, label = src_uri[len(ZH_DIR) + 1:], "English"
        link = "../" * src_uri.count("/") + other
    else:
        other, label = f"{ZH_DIR}/{src_uri}", "简体中文"
        link = other
    return (label, link) if other in existing else None


def on_page_markdown(markdown, page, config, files):
    """Fill the Policy field table; link a page to its translation."""
    if POLICY_MARKER in markdown:
        markdown = markdown.replace(POLICY_MARKER, policy_fields_markdown())
    found = translation(page.file.src_uri, {f.src_uri for f in files})
    if found:
        label, link = found
        markdown += f"\n\n---\n\n[{label}]({link})\n"
    return markdown
