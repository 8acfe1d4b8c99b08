"""Python's cyclic garbage collector paused while a model is built, solved and read.

Building a county's model makes a few hundred thousand small objects (PuLP variables,
expressions, constraints) that all live until the plan is read. Python's collector
counts them as they are made and, every so often, walks every object still alive
looking for cycles; on a 150-school county those walks cost about 0.1 s of the build
and 0.05 s around the solve, and find nothing the model has not yet finished with.
Objects are still freed as soon as nothing refers to them; only the search for
reference cycles waits until the pause ends. Used by ``optimize``, by the plan's
writers (``staffing.report``) and by a batch worker around one county.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block; resume it after, if it was running.

    Nested or concurrent blocks are safe: a block that found the collector already
    paused leaves it as it was, and a caller who switched it off keeps it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
