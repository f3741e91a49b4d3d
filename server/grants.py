"""What this browser may see because it proved to know a letter or notice.

The proof (a letter's token or access code, a notice's Kassenzeichen and amount) is checked once;
the session then remembers the record for the rest of the visit. Each area keeps its own list.
"""

from __future__ import annotations

from flask import session

MAX_GRANTS = 20  # a visit concerns a few letters, not hundreds


class SessionGrants:
    def __init__(self, key: str) -> None:
        self.key = key

    def grant(self, record_id: int) -> None:
        granted = [rid for rid in session.get(self.key, []) if rid != record_id]
        session[self.key] = [*granted, record_id][-MAX_GRANTS:]

    def allows(self, record_id: int) -> bool:
        return record_id in session.get(self.key, [])
