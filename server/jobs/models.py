from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, utcnow


class Outcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    #: Its process stopped sending heartbeats (killed, machine gone): given up by the next run.
    ABANDONED = "abandoned"


class Trigger(StrEnum):
    SCHEDULE = "schedule"  # its time in the schedule came
    REQUEST = "request"  # asked for by the portal (a mail was queued)
    COMMAND = "command"  # `portal jobs run` or a test


class JobRun(Base):
    """One run of a job, on whichever engine and server: the record the back office shows,
    and the lock that keeps two servers from running the same job at once.

    Two rules of the database make runs happen once: a job has at most one unfinished run
    (the partial unique index), and a scheduled time is run once per attempt (the unique
    constraint; runs asked for have no scheduled time, so any number of them may follow each
    other)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16), default=Outcome.RUNNING.value)
    error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[str | None] = mapped_column(Text)  # JSON object: {"sent": 3, "failed": 0}
    worker: Mapped[str] = mapped_column(String(120))  # host and process id

    __table_args__ = (
        UniqueConstraint("job_name", "scheduled_for", "attempt"),
        Index(
            "ix_job_runs_one_running",
            "job_name",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
        Index("ix_job_runs_job_name_started_at", "job_name", "started_at"),
    )
