"""A Griffe extension for the API reference: this library's docstring habits, rendered.

Many docstrings here write a section entry as ``name : what it is`` (a description
where numpydoc puts a type), and cross-reference with Sphinx roles
(:func:`staffing.optimize`). Griffe's numpy parser would render the description in the
type column and the roles as raw text; this extension rewrites, before parsing,

- ``name : a description.`` into ``name`` with the description on the next line, when
  the text after the colon reads as prose (four words or more, or a sentence, or a
  colon or semicolon in it), in the Parameters, Attributes, Returns, Yields, Raises and
  Other Parameters sections;
- ``:func:`x``` (and ``:meth:``, ``:class:``, ``:mod:``, ``:attr:``, ``:data:``,
  ``:exc:``, ``:obj:``) into ```x```.

The source files are not changed; ``mkdocs.yml`` loads it under mkdocstrings' options.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

SECTIONS = ("Parameters", "Attributes", "Returns", "Yields", "Raises", "Other Parameters")
ROLE = re.compile(r":(?:func|meth|class|mod|attr|data|exc|obj):`~?([^`]+)`")
ENTRY = re.compile(r"^(?P<indent>\s*)(?P<name>[\w*., ]+?) : (?P<text>.+)$")


def reads_as_prose(text: str) -> bool:
    """True when the text after ``name :`` is a description rather than a type.

    Examples
    --------
    >>> reads_as_prose("int"), reads_as_prose("list of str"), reads_as_prose("str | None")
    (False, False, False)
    >>> reads_as_prose("the weighted objective value.")
    True
    >>> reads_as_prose("one row per school: norm, quota")
    True
    """
    words = text.split()
    return (len(words) >= 4 or text.rstrip().endswith(".") or ": " in text
            or "; " in text)


def rewrite(doc: str) -> str:
    """The docstring with prose entries split onto their own line and roles as code.

    Examples
    --------
    >>> print(rewrite("Sum.\\n\\nAttributes\\n----------\\nquotas : one row per school.\\n"
    ...               "n : int\\n"))
    Sum.
    <BLANKLINE>
    Attributes
    ----------
    quotas
        one row per school.
    n : int
    <BLANKLINE>
    """
    lines = doc.splitlines()
    out: list[str] = []
    section = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and stripped:
            section = stripped if stripped in SECTIONS else None
        m = ENTRY.match(line) if section else None
        if m and not m["indent"] and reads_as_prose(m["text"]):
            out.append(f"{m['indent']}{m['name']}")
            out.append(f"{m['indent']}    {m['text']}")
        else:
            out.append(line)
    return ROLE.sub(r"`\1`", "\n".join(out) + ("\n" if doc.endswith("\n") else ""))


class NumpyHabits(griffe.Extension):
    """Rewrite each object's docstring with :func:`rewrite` as Griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: D102
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
