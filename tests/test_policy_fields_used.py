"""Every Policy field is read somewhere in the library: a number nothing reads is a
rule the documents state and the plan silently ignores."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

import staffing as st

SOURCE = Path(st.__file__).resolve().parent
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SOURCE.rglob("*.py"))
                 if p.name != "policy.py")
# Fields read by a computed name, e.g. getattr(policy, f"intake_trend_{loc}").
DYNAMIC_PREFIXES = re.findall(r"getattr\(\s*\w+\s*,\s*f[\"']([A-Za-z_]+)\{", TEXT)


def is_read(name: str) -> bool:
    """``.name`` as an attribute, ``"name"`` as a string, or a getattr f-string prefix."""
    return bool(re.search(rf"\.{name}\b", TEXT) or re.search(rf"[\"']{name}[\"']", TEXT)
                or any(name.startswith(p) for p in DYNAMIC_PREFIXES))


@pytest.mark.parametrize("name", [f.name for f in fields(st.Policy)])
def test_policy_field_is_read_outside_policy_py(name):
    assert is_read(name), f"Policy.{name} is read nowhere in staffing/ outside policy.py"


def test_the_scan_finds_a_field_that_is_not_there():
    # The check can fail: a made-up field name is not read anywhere.
    assert not is_read("post_levels_nobody_reads")
    assert "intake_trend_" in DYNAMIC_PREFIXES
