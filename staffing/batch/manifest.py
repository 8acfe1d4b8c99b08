"""The run manifest, OUT_DIR/manifest.json: what each county's outputs were made from.

Written atomically at the start of a run (every county ``pending`` or ``skipped``)
and again each time a county finishes, so a run killed at any moment leaves a valid
manifest that says which outputs are complete. The next run reads it to skip
counties whose input and policy have not changed. See ``docs/batch.md`` for the
format.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from staffing._io import atomic_write_bytes
from staffing.batch.inputs import CountyInput, content_hash
from staffing.batch.worker import PLAN_FILE, SUMMARY_FILE, to_json_bytes

__all__ = ["Manifest", "MANIFEST_FILE", "FORMAT", "STATUSES", "reusable",
           "remove_stale_temporaries"]

MANIFEST_FILE = "manifest.json"
#: Format tag at the top of every manifest; the number changes if a field changes meaning.
FORMAT = "staffing.batch.manifest/1"
#: County statuses: ``pending`` only in the manifest of a run still going or interrupted.
STATUSES: tuple[str, ...] = ("ok", "failed", "skipped", "pending")

#: Temporary files :func:`staffing._io.atomic_path` makes beside our outputs.
_TEMPORARY = re.compile(
    rf"^\.({re.escape(PLAN_FILE)}|{re.escape(SUMMARY_FILE)}|{re.escape(MANIFEST_FILE)})\..*\.tmp"
)


class Manifest:
    """OUT_DIR/manifest.json of one run, kept in memory and saved atomically.

    Parameters
    ----------
    path : the manifest file.
    header : everything above the county entries (format, run, versions, options,
        policy fingerprint and policy).
    """

    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        self.header = header
        self.counties: dict[str, dict[str, Any]] = {}
        self.completion_order: list[str] = []

    # ------------------------------------------------------------------ reading
    @staticmethod
    def previous_entries(path: Path) -> dict[str, dict[str, Any]]:
        """The county entries of the manifest at ``path``; ``{}`` when there is none or
        it cannot be read (a run then simply re-plans everything)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return {}
        counties = data.get("counties")
        return counties if isinstance(counties, dict) else {}

    # ------------------------------------------------------------------ updating
    def set(self, name: str, entry: dict[str, Any], *, finished: bool = False) -> None:
        """Store the entry of county ``name``; ``finished`` adds it to the completion
        order (counties planned in this run, in the order they finished)."""
        self.counties[name] = entry
        if finished:
            self.completion_order.append(name)

    def counts(self) -> dict[str, int]:
        """Counties per status, and the total."""
        out = {s: 0 for s in STATUSES}
        for entry in self.counties.values():
            out[entry["status"]] += 1
        return {"total": len(self.counties), **out}

    def to_dict(self) -> dict[str, Any]:
        """The manifest as written: header, counts, completion order, counties by name."""
        return {
            **self.header,
            "counts": self.counts(),
            "completion_order": list(self.completion_order),
            "counties": {k: self.counties[k] for k in sorted(self.counties)},
        }

    def save(self) -> None:
        """Write the manifest atomically (a temporary file, then a rename)."""
        self.header["run"]["updated_at"] = now()
        atomic_write_bytes(self.path, to_json_bytes(self.to_dict()))


# ---------------------------------------------------------------------------- entries
def pending_entry(inp: CountyInput, fingerprint: str, lang: str) -> dict[str, Any]:
    """The entry of a county about to be planned."""
    return {
        "county": inp.name, "input": str(inp.path), "input_kind": inp.kind,
        "input_sha256": inp.sha256, "policy_fingerprint": fingerprint, "lang": lang,
        "status": "pending", "plan_status": None, "objective": None, "gap": None,
        "outputs": {}, "output_sha256": {}, "counts": {}, "timings": {}, "solver": None,
        "worker": None, "versions": None, "started_at": None, "finished_at": None,
        "planned_in_run": None, "warnings": [], "error": None,
    }


def finished_entry(pending: dict[str, Any], result: dict[str, Any], run_id: str
                   ) -> dict[str, Any]:
    """A pending entry completed with the worker's result."""
    entry = {**pending, **{k: v for k, v in result.items() if k in pending}}
    entry["planned_in_run"] = run_id
    if entry["input_sha256"] is None:
        entry["input_sha256"] = pending["input_sha256"]
    return entry


def skipped_entry(previous: dict[str, Any], inp: CountyInput) -> dict[str, Any]:
    """The entry of a county whose complete outputs are reused: the previous entry
    (when and by which run it was planned, its timings) with status ``skipped``."""
    return {**previous, "status": "skipped", "input": str(inp.path), "input_kind": inp.kind}


def reusable(previous: dict[str, Any] | None, inp: CountyInput, fingerprint: str,
             lang: str, out_dir: Path) -> bool:
    """Whether a county's previous outputs stand: planned (``ok``, or ``skipped`` from
    an earlier ok) from the same input bytes, policy and language, and every output
    file still there with the bytes recorded."""
    if not previous or previous.get("status") not in ("ok", "skipped"):
        return False
    if inp.sha256 is None or previous.get("input_sha256") != inp.sha256:
        return False
    if previous.get("policy_fingerprint") != fingerprint or previous.get("lang") != lang:
        return False
    outputs, digests = previous.get("outputs") or {}, previous.get("output_sha256") or {}
    if set(outputs) != {"plan", "summary"} or set(digests) != set(outputs):
        return False
    for key, rel in outputs.items():
        file = out_dir / rel
        try:
            if not file.is_file() or content_hash(file) != digests[key]:
                return False
        except OSError:
            return False
    return True


def remove_stale_temporaries(out_dir: Path, names: list[str]) -> list[Path]:
    """Delete temporary files a killed run left beside the outputs (their targets are
    untouched: every write is a rename). Returns the files removed."""
    removed = []
    for folder in [out_dir, *(out_dir / n for n in names)]:
        if not folder.is_dir():
            continue
        for file in folder.iterdir():
            if _TEMPORARY.match(file.name) and file.is_file():
                file.unlink(missing_ok=True)
                removed.append(file)
    return removed


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
