"""The fines area's codes in words, for the fines office and the audit log: case statuses,
what a statement says (admit, contest, nominate), the entries of a case's history and its
audit actions. The codes stay in the database; clerks read these names in their language."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.audit.labels import actor_label, register_labels
from server.fines.models import CaseEvent, CaseStatus, StatementKind

STATUSES = {
    CaseStatus.OPEN: _l("Offen, noch keine Äußerung"),
    CaseStatus.STATEMENT_RECEIVED: _l("Äußerung eingegangen"),
    CaseStatus.DRIVER_NAMED: _l("Fahrer/in benannt"),
    CaseStatus.PAID: _l("Bezahlt, abgeschlossen"),
    CaseStatus.DISCONTINUED: _l("Eingestellt"),
    CaseStatus.CONTINUED: _l("Weiter zum Bußgeldbescheid"),
    CaseStatus.FORWARDED: _l("An die benannte Person abgegeben"),
}

STATEMENTS = {
    StatementKind.ADMIT: _l("Verstoß eingeräumt"),
    StatementKind.CONTEST: _l("Verstoß bestritten"),
    StatementKind.NOMINATE: _l("Andere Person als Fahrer/in benannt"),
}

DECISIONS = {
    "discontinue": _l("Entschieden: Verfahren eingestellt"),
    "continue": _l("Entschieden: weiter zum Bußgeldbescheid"),
    "forward": _l("Entschieden: Verfahren gegen die benannte Person"),
}

EVENTS = {
    "created": _l("Vorgang angelegt"),
    "letter": _l("Brief gedruckt"),
    "viewed": _l("Angesehen"),
    "statement": _l("Äußerung eingegangen"),
    "paid": _l("Bezahlt"),
    **{f"decision:{code}": label for code, label in DECISIONS.items()},
}

# What the history stores as the way a case was opened or changed (German, as recorded).
HOW_VIEWED = {
    "QR-Code": _l("über den QR-Code des Briefs"),
    "Zugangscode": _l("mit dem Zugangscode"),
    "Beweisfoto hinzugefügt": _l("Beweisfoto hinzugefügt"),
}


def status_label(status: str) -> str:
    return str(STATUSES[CaseStatus(status)]) if status in set(CaseStatus) else status


def statement_label(kind: str) -> str:
    return str(STATEMENTS[StatementKind(kind)]) if kind in set(StatementKind) else kind


@dataclass(frozen=True)
class HistoryLine:
    what: str
    detail: str
    who: str


def history_line(event: CaseEvent) -> HistoryLine:
    """One entry of a case's history as a clerk reads it."""
    detail = event.detail
    if event.kind == "statement":
        kind, _sep, rest = detail.partition(" ")
        late = _("verspätet") if "verspätet" in rest else ""
        detail = statement_label(kind) + (f" ({late})" if late else "")
    elif event.kind == "viewed":
        detail = str(HOW_VIEWED.get(detail, detail))
    elif event.kind == "paid" and detail:
        detail = _("Kassenzeichen %(number)s", number=detail)
    return HistoryLine(str(EVENTS.get(event.kind, event.kind)), detail, actor_label(event.actor))


def register_fines_labels() -> None:
    register_labels(
        actions={
            "fines.case.view": _l("Bußgeldvorgang angesehen"),
            "fines.attachment.download": _l("Anhang einer Äußerung heruntergeladen"),
            "fines.letter.issue": _l("Brief gedruckt (neue Zugangsdaten)"),
            "fines.letters.issue": _l("Briefe für neue Vorgänge gedruckt"),
            **{f"fines.decision.{code}": label for code, label in DECISIONS.items()},
        },
        records={"fine_case": _l("Bußgeldvorgang"), "fine_upload": _l("Anhang")},
    )
