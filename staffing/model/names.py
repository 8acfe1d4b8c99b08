"""The model's variable and constraint names: built in one place, and parsed back.

Every name the model blocks give PuLP comes from :func:`name` with a *kind* (the
block's variable or row) and its parts; :func:`parse` turns any such name back into
a :class:`Name` — kind, rule (the block that owns it), school position, subject,
year — so :func:`staffing.explain.objective_breakdown` and users can file any row or
column of the model (e.g. of an LP file) under its school, subject and year.

The names are part of the library's interface (LP files, ``explain``): each kind's
templates below spell them exactly. ``{school}`` is the school's position in the
model's school table, ``{subject}`` a subject key of :data:`staffing.vocab.SUBJECTS`,
``{cover}`` the subject of the teachers who give the cover, ``{year}`` the plan year
(0 = this year), ``{group}`` a rotation group, ``{arc}`` an itinerant arc and
``{step}`` a step of a convex cost.

Examples
--------
>>> name("quota", school=3, year=1)
'quota_3_y1'
>>> part = parse("unmet_4_morality_law_y2_s1")
>>> part.kind, part.rule, part.school, part.subject, part.year, part.step
('unmet_step', 'unmet', 4, 'morality_law', 2, 1)
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from staffing.vocab import SUBJECTS

__all__ = ["Name", "name", "parse", "convex_label", "convex_step", "convex_steps", "KINDS"]


class Name(NamedTuple):
    """A model name's parts (``None`` where the name has no such part)."""

    kind: str
    rule: str
    school: int | None = None
    subject: str | None = None
    cover: str | None = None
    year: int | None = None
    group: int | None = None
    arc: int | None = None
    step: int | None = None


_Y = "_y{year}"

#: kind → (rule, templates). A kind may have a single-year and a multi-year template;
#: :func:`name` picks the one whose fields are the parts it is given.
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # -- quota block (model/quota.py) and its yearly copies (model/pool.py)
    "quota": ("quota", ("quota_{school}", "quota_{school}" + _Y)),
    "short": ("quota", ("short_{school}", "short_{school}" + _Y)),
    "short_step": ("quota", ("short_{school}_s{step}", "short_y{year}_{school}_s{step}")),
    "short_steps": ("quota", ("short_{school}_steps", "short_y{year}_{school}_steps")),
    "surplus": ("quota", ("surplus_{school}", "surplus_{school}" + _Y)),
    "up": ("quota", ("up_{school}", "up_{school}" + _Y)),
    "down": ("quota", ("down_{school}", "down_{school}" + _Y)),
    "pool_reserve": ("quota", ("pool_reserve", "pool_reserve" + _Y)),
    "over_county_total": ("quota", ("over_county_total", "over_county_total" + _Y)),
    "quota_norm_balance": ("quota", ("quota_norm_balance_{school}",
                                     "quota_norm_balance_{school}" + _Y)),
    "quota_change": ("quota", ("quota_change_{school}", "quota_change_{school}" + _Y)),
    "quota_county_total": ("quota", ("quota_county_total", "quota_county_total" + _Y)),
    # -- pool loans (model/pool.py)
    "pool_lend": ("pool", ("pool_lend" + _Y,)),
    "pool_repay": ("pool", ("pool_repay" + _Y,)),
    "pool_loan_outstanding": ("pool", ("pool_loan_outstanding" + _Y,)),
    "pool_loan_cover": ("pool", ("pool_loan_cover" + _Y,)),
    "pool_loan_limit": ("pool", ("pool_loan_limit" + _Y,)),
    "pool_loan_repaid": ("pool", ("pool_loan_repaid" + _Y,)),
    # -- rotation block (model/rotation.py)
    "move": ("rotation", ("move_{group}_{school}",)),
    "rotation_group": ("rotation", ("rotation_group_{group}",)),
    "move_cap_in": ("rotation", ("move_cap_in_{school}",)),
    "move_cap_out": ("rotation", ("move_cap_out_{school}",)),
    # post-level caps (岗位结构比例, staffing.model.post_caps)
    "post_cap_senior": ("rotation", ("post_cap_senior_{school}",)),
    "post_cap_intermediate": ("rotation", ("post_cap_intermediate_{school}",)),
    "itinerant_cap": ("rotation", ("itinerant_cap_{school}_{subject}",)),
    "rotation_school_need_round": ("rotation", ("rotation_school_need_round_{school}",)),
    "rotation_capacity": ("rotation", ("rotation_capacity_{school}",)),
    "rotation_volume_short": ("rotation", ("rotation_volume_short_{school}",)),
    "rotation_volume": ("rotation", ("rotation_volume_{school}",)),
    "rotation_backbone_share_short": ("rotation", ("rotation_backbone_share_short",)),
    "rotation_backbone_share": ("rotation", ("rotation_backbone_share",)),
    "backbone_deficit": ("rotation", ("backbone_deficit_{school}",)),
    "rotation_backbone_target": ("rotation", ("rotation_backbone_target_{school}",)),
    "rotation_backbone_round": ("rotation", ("rotation_backbone_round_{school}",)),
    "rotation_cover_round": ("rotation", ("rotation_cover_round_{school}",)),
    # -- 优质均衡 staff indicators (model/balance.py)
    "balance_pe_arts_short": ("balance", ("balance_pe_arts_short_{school}",)),
    "balance_pe_arts": ("balance", ("balance_pe_arts_{school}",)),
    "balance_music_art_short": ("balance", ("balance_music_art_short_{school}_{subject}",)),
    "balance_music_art": ("balance", ("balance_music_art_{school}_{subject}",)),
    # -- 优质均衡, do no harm (model/no_harm.py): one kind per teacher count
    **{f"no_harm_{c}{end}": ("no_harm", (f"no_harm_{c}{end}_{{school}}",))
       for c in ("backbone", "pe_arts", "qualified_primary", "qualified_junior")
       for end in ("_short", "")},
    # -- heads' exchange (model/principals.py)
    "principal_move": ("principals", ("principal_move_{group}_{school}",)),
    "principal_out": ("principals", ("principal_out_{group}",)),
    "principal_slot": ("principals", ("principal_slot_{school}",)),
    "vice_principal_slot": ("principals", ("vice_principal_slot_{school}",)),
    "party_secretary_slot": ("principals", ("party_secretary_slot_{school}",)),
    "principal_exchange_short": ("principals", ("principal_exchange_short",)),
    "principal_exchange": ("principals", ("principal_exchange",)),
    # -- itinerant cover (model/itinerant.py)
    "itin": ("itinerant", ("itin_{arc}",)),
    # -- remote classrooms (model/remote.py)
    "remote": ("remote", ("remote_{arc}",)),
    "remote_cap": ("remote", ("remote_cap_{school}_{subject}",)),
    # -- hiring block (model/hiring.py)
    "hire": ("hire", ("hire_{school}_{subject}" + _Y,)),
    "hire_cap": ("hire", ("hire_cap_{school}_{subject}",)),
    "hire_capacity": ("hire", ("hire_capacity_{school}" + _Y,)),
    "hire_urgent_share": ("hire", ("hire_urgent_share" + _Y,)),
    "hire_budget": ("hire", ("hire_budget" + _Y,)),
    "hire_mentors": ("hire", ("hire_mentors" + _Y,)),
    "hire_school_need_round": ("hire", ("hire_school_need_round_{school}" + _Y,)),
    # -- subject cover (model/cover.py), in the rotation block (this year) and the
    #    hiring block (each plan year)
    "use": ("cover", ("use_{school}_{cover}_{subject}", "use_{school}_{cover}_{subject}" + _Y)),
    "unmet": ("unmet", ("unmet_{school}_{subject}", "unmet_{school}_{subject}" + _Y)),
    "unmet_step": ("unmet", ("unmet_{school}_{subject}_s{step}",
                             "unmet_{school}_{subject}" + _Y + "_s{step}")),
    "unmet_steps": ("unmet", ("unmet_{school}_{subject}_steps",
                              "unmet_{school}_{subject}" + _Y + "_steps")),
    "rotation_staff": ("rotation", ("rotation_staff_{school}_{cover}",)),
    "rotation_need": ("rotation", ("rotation_need_{school}_{subject}",)),
    "rotation_need_round": ("rotation", ("rotation_need_round_{school}_{subject}",)),
    "hire_staff": ("hire", ("hire_staff_{school}_{cover}" + _Y,)),
    "hire_need": ("hire", ("hire_need_{school}_{subject}" + _Y,)),
    "hire_need_round": ("hire", ("hire_need_round_{school}_{subject}" + _Y,)),
    # Chord cuts on a need's convex price at whole teachers ({step}: teachers at the
    # chord's left end; staffing.model.cover.add_whole_teacher_cost_cuts).
    "rotation_need_chord": ("rotation", ("rotation_need_chord_{school}_{subject}_{step}",)),
    # Part-time cover of a need from other subjects' teachers, capped (mental health).
    "rotation_part_time": ("rotation", ("rotation_part_time_{school}_{subject}",)),
    "hire_part_time": ("hire", ("hire_part_time_{school}_{subject}" + _Y,)),
}

_FIELD = re.compile(r"\{(\w+)\}")
_NUMBERS = ("school", "year", "group", "arc", "step")


@cache
def _fields(template: str) -> frozenset[str]:
    return frozenset(_FIELD.findall(template))


@cache
def _template(kind: str, fields: frozenset[str]) -> str | None:
    """The template of ``kind`` with exactly these ``fields`` (``None`` if it has none)."""
    for template in KINDS[kind][1]:
        if _fields(template) == fields:
            return template
    return None


def name(kind: str, **parts: object) -> str:
    """The model's name of a ``kind`` of variable or row with these parts.

    Parameters
    ----------
    kind : a key of :data:`KINDS`.
    **parts : ``school``, ``subject``, ``cover``, ``year``, ``group``, ``arc``, ``step``;
        a part given as ``None`` is left out (e.g. ``year=None`` in a single-year model).

    Returns
    -------
    str
    """
    given = {k: v for k, v in parts.items() if v is not None}
    template = _template(kind, frozenset(given))
    if template is not None:
        return template.format(**given)
    raise ValueError(f"no name of kind {kind!r} has the parts {sorted(given)}")


def convex_label(school: int, subject: str | None = None, year: int | None = None) -> str:
    """The label :func:`~staffing.model.fair.add_convex_cost` puts between a cost's prefix
    and its step: ``{school}[_{subject}][_y{year}]``."""
    return str(school) + ("" if subject is None else f"_{subject}") + (
        "" if year is None else f"_y{year}")


@cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    subject = "|".join(sorted(map(re.escape, SUBJECTS), key=len, reverse=True))
    field = {"subject": f"(?P<subject>{subject})", "cover": f"(?P<cover>{subject})"}
    field |= {k: rf"(?P<{k}>\d+)" for k in _NUMBERS}
    out = []
    for kind, (rule, templates) in KINDS.items():
        for template in templates:
            pattern, last = [], 0
            for m in _FIELD.finditer(template):
                pattern += [re.escape(template[last:m.start()]), field[m.group(1)]]
                last = m.end()
            pattern.append(re.escape(template[last:]))
            out.append((kind, rule, re.compile("".join(pattern))))
    return tuple(out)


def parse(text: str) -> Name | None:
    """The parts of a model name, or ``None`` if the model gives no such name.

    Parameters
    ----------
    text : a variable or constraint name of the model.

    Returns
    -------
    Name or None
    """
    for kind, rule, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found:
            parts = {k: (int(v) if k in _NUMBERS else v) for k, v in
                     found.groupdict().items()}
            return Name(kind, rule, **parts)
    return None


def convex_step(prefix: str, label: str, step: int) -> str:
    """Name of step ``step`` of a convex cost (:func:`~staffing.model.fair.add_convex_cost`):
    ``{prefix}_{label}_s{step}`` — e.g. kinds ``short_step`` and ``unmet_step``."""
    return f"{prefix}_{label}_s{step}"


def convex_steps(prefix: str, label: str) -> str:
    """Name of the row that sums a convex cost's steps: ``{prefix}_{label}_steps``."""
    return f"{prefix}_{label}_steps"
