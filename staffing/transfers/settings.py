"""The transfer round's settings (跨校竞聘): a view of the same-named Policy fields.

The numbers and their sources live in :class:`~staffing.Policy` (section "Voluntary
transfers"); :meth:`TransferSettings.from_policy` reads them, and the defaults here
are the Policy's defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any

from staffing.policy import Policy, field_problem

__all__ = ["TransferSettings", "BACKBONE_POINTS"]

_POLICY = Policy()

#: Points per backbone level before weighting: county 1, prefecture 2, province 3
#: (the order of 骨干教师 levels; library default).
BACKBONE_POINTS: dict[str, int] = {"none": 0, "county": 1, "prefecture": 2, "province": 3}

@dataclass(frozen=True)
class TransferSettings:
    """Points-scale weights and switches of the voluntary-transfer round.

    A teacher's priority at a school is her points total (积分) on the 县管校聘 points
    scale, highest first, ties broken by teacher id (smaller id first)::

        points = w_years_at_school × years at the current school
               + w_service_years  × (plan_year − hire_year)
               + w_backbone       × backbone level (county 1, prefecture 2, province 3)
               + w_family         × family points (toward the school they are given for)
               + w_hardship       × years of hardship (rural) service

    County points scales weigh these items in many ways and no national or Chuxiong
    text fixes them; the defaults are library defaults in the spirit of common county
    scales (one point per year at the school, half a point per year of service).

    Examples
    --------
    >>> from staffing.transfers import TransferSettings
    >>> TransferSettings().priority_weight_backbone
    2.0
    >>> TransferSettings(transfer_mechanism="da").transfer_mechanism
    'da'
    """

    # Defaults and sources: staffing.policy.Policy, section "Voluntary transfers".
    priority_weight_years_at_school: float = _POLICY.priority_weight_years_at_school
    priority_weight_service_years: float = _POLICY.priority_weight_service_years
    priority_weight_backbone: float = _POLICY.priority_weight_backbone
    priority_weight_family: float = _POLICY.priority_weight_family
    priority_weight_hardship: float = _POLICY.priority_weight_hardship
    transfer_mode: str = _POLICY.transfer_mode
    transfer_mechanism: str = _POLICY.transfer_mechanism
    transfer_school_consent: bool = _POLICY.transfer_school_consent
    transfer_reopen_vacated: bool = _POLICY.transfer_reopen_vacated

    def __post_init__(self) -> None:
        for f in fields(self):
            if type(f.default) is float and type(getattr(self, f.name)) is int:
                object.__setattr__(self, f.name, float(getattr(self, f.name)))
        # The Policy's own check of its same-named fields (type, range, choices).
        problems = [p for f in fields(self) if (p := field_problem(f.name, getattr(self, f.name)))]
        if problems:
            raise ValueError("invalid transfer settings:\n  " + "\n  ".join(problems))

    @classmethod
    def from_policy(cls, policy: Any = None, **overrides: Any) -> TransferSettings:
        """Settings from the same-named fields of ``policy`` (where it has them), then
        ``overrides``.

        Examples
        --------
        >>> import staffing as st
        >>> TransferSettings.from_policy(st.Policy(), transfer_mechanism="da").transfer_mechanism
        'da'
        """
        values = {f.name: getattr(policy, f.name) for f in fields(cls)
                  if policy is not None and hasattr(policy, f.name)}
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> TransferSettings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)
