"""The objects made while the portal starts live as long as its process: the app with its
routes, SQLAlchemy's mappers, the templates' globals, the catalogues (some 280,000 objects).
``gc.freeze()`` takes them out of the cycle collector's passes. Without it each full collection
walked them all: about 150 ms once in a few thousand requests of a worker, on average 5 % of a
fine case page's time and a stall for the request it hit (issue 17). Workers forked from a
master that froze also keep sharing those memory pages with it: the collector no longer writes
to them.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Call once the app is made, before serving (and before forking workers)."""
    gc.collect()  # garbage of the start is freed, not kept for the life of the process
    gc.freeze()
