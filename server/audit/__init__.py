"""The audit log: who did what to which record, when. Append-only."""
