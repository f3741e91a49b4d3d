"""The audit log: who did what to which record, when. Append-only. A bottom layer: it imports
no area; its admin page is in ``server.backoffice.audit_log``."""
