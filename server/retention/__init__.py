"""Retention and deletion (DSGVO Art. 5 (1) e): how long each kind of record is kept
(``policy``), which records are due (``finders``), deleting one with its stored files safely
(``deleter``), the daily run (``run``: ``run_due``) and the outlook of what will go when
(``report``). Nothing of the accounting goes before its statutory ten years, nothing while
money is open."""

from __future__ import annotations

from server.retention.report import KindOutlook, outlook
from server.retention.run import KindResult, RunReport, run_due

__all__ = ["KindOutlook", "KindResult", "RunReport", "outlook", "run_due"]
