"""Voluntary transfers (跨校竞聘): teachers' requests to move, settled by an exchange mechanism.

Rotation by rule is half of 县管校聘; the other half is teachers asking to move. This
package settles such requests with Teacher Optimal Block Exchange (TO-BE; Combe,
Tercieux and Terrier, Review of Economic Studies 2022), compares it with the French
deferred-acceptance baseline, audits the outcome, and hands the rotation model a
county in which the transfers are settled. See ``docs/transfers.md``.

* :func:`voluntary_transfers` — the round, one market per subject → :class:`TransferPlan`.
* :func:`settle_transfers` — the county after transfers, for ``optimize`` ("transfers
  first"), and the transfer table.
* :func:`audit` — individual rationality, justified envy, moves and ranks, against the
  other mechanism on the same data.
* :func:`synthetic_preferences` — realistic requests for a (synthetic) county.
* :mod:`staffing.transfers.mechanisms` — the algorithms on plain dicts.
"""

from staffing.transfers.audit import TransferAudit, audit, blocking_pairs
from staffing.transfers.core import (
    MECHANISMS,
    TRANSFER_COLUMNS,
    TransferPlan,
    priority_points,
    read_preferences,
    settle_transfers,
    voluntary_transfers,
)
from staffing.transfers.mechanisms import MarketOutcome, da_then_to_be, modified_da, to_be
from staffing.transfers.settings import BACKBONE_POINTS, TransferSettings
from staffing.transfers.synthetic import synthetic_preferences

__all__ = [
    "BACKBONE_POINTS",
    "MECHANISMS",
    "MarketOutcome",
    "TRANSFER_COLUMNS",
    "TransferAudit",
    "TransferPlan",
    "TransferSettings",
    "audit",
    "blocking_pairs",
    "da_then_to_be",
    "modified_da",
    "priority_points",
    "read_preferences",
    "settle_transfers",
    "synthetic_preferences",
    "to_be",
    "voluntary_transfers",
]
