"""What this browser may see because it proved to know a letter or notice.

The proof (a letter's token or access code, a notice's Kassenzeichen and amount) is checked once;
the session then remembers the record for the rest of the visit. Each area keeps its own list.
A logged-in citizen's proof also links the record to the account, so that it stays visible there
on every device.
"""

from __future__ import annotations

from flask import session

from server.auth import records

MAX_GRANTS = 20  # a visit concerns a few letters, not hundreds


class SessionGrants:
    def __init__(self, key: str) -> None:
        self.key = key

    def grant(self, record_id: int) -> None:
        held = session.get(self.key, [])
        granted = [*(rid for rid in held if rid != record_id), record_id][-MAX_GRANTS:]
        if granted != held:  # a page shown again rewrites no session row (issue 17)
            session[self.key] = granted
        citizen_id = session.get("citizen_id")
        if isinstance(citizen_id, int):
            records.link(citizen_id, self.key, record_id)

    def allows(self, record_id: int) -> bool:
        if record_id in session.get(self.key, []):
            return True
        citizen_id = session.get("citizen_id")
        return isinstance(citizen_id, int) and records.is_linked(citizen_id, self.key, record_id)
