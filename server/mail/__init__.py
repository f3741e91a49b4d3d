"""Outgoing mail: an outbox in the database, delivered by `portal mail send`."""
