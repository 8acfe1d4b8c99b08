"""Many counties at once: the nightly batch over a prefecture or a province.

Each county is planned independently (县管: the county is the planning unit), so a
batch is many small models run side by side — on a local process pool by default, on
a Dask cluster when one machine is not enough::

    from staffing.batch import plan_many
    result = plan_many("data/", out_dir="out/")               # local processes
    result = plan_many("data/", out_dir="out/", scheduler="tcp://host:8786")  # Dask
    result.table()          # county → status, plan status, seconds, error
    result.exit_code        # 0 all ok, 4 some failed, 5 all failed

Outputs per county: ``out/<county>/plan.xlsx`` and ``summary.json``; the run manifest
is ``out/manifest.json``. Command line: ``staffing batch data/ -o out/``. See
``docs/batch.md``.

Modules: :mod:`~staffing.batch.inputs` (finding, naming and hashing inputs),
:mod:`~staffing.batch.worker` (the function each worker runs),
:mod:`~staffing.batch.manifest`, :mod:`~staffing.batch.outdir` (lock, links, staging),
:mod:`~staffing.batch.engines` (process pool, Dask),
:mod:`~staffing.batch.events` (progress bar, JSON-lines log),
:mod:`~staffing.batch.runner` (:func:`plan_many`), :mod:`~staffing.batch.cli`.
"""

from staffing.batch.cli import add_batch_parser, run_batch_command
from staffing.batch.inputs import CountyInput, content_hash, find_inputs, safe_name
from staffing.batch.runner import (
    EXIT_ALL_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    BatchLockedError,
    BatchResult,
    OutDirLinkError,
    plan_many,
)
from staffing.batch.worker import plan_county

__all__ = [
    "plan_many",
    "plan_county",
    "BatchResult",
    "BatchLockedError",
    "OutDirLinkError",
    "CountyInput",
    "find_inputs",
    "safe_name",
    "content_hash",
    "add_batch_parser",
    "run_batch_command",
    "EXIT_OK",
    "EXIT_SOME_FAILED",
    "EXIT_ALL_FAILED",
    "EXIT_INTERRUPTED",
]
