"""The certificate order on the form engine: the hooks that connect the answers of the order
form (``definition.py``) with the rules of this area.

- ``order_level``, ``below_level``, ``lowered``: § 6 Abs. 3 PStV (``levels``) with the city's
  setting: the level to begin an order, and the page that explains the other ways below it;
- ``assess``: § 6 Abs. 3 PStV refuses a document the login is not enough for on the document
  question; §§ 62, 63 PStG (``eligibility.decide``) and the ID-copy rule decide which proofs
  the order step "Nachweise" asks for, or refuse the order on the relationship question;
- ``fee``: the fee table (``fees.quote``), with the search fee when essential register details
  are missing (``register_details.search_needed``);
- ``refund_rejected``: the registry office rejects a paid order: the fee goes back through the
  payments area, minus what the fee table keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from flask import current_app, url_for
from flask_babel import gettext as _

from server.certificates import levels
from server.certificates.documents import DOCUMENTS, DocumentKind, Register
from server.certificates.eligibility import Facts, Relationship, decide, needs_id_copy
from server.certificates.fees import FeeLine, Purpose, Quote, quote, refund_on_rejection
from server.certificates.register_details import search_needed
from server.forms.engine import (
    AssessContext,
    Assessment,
    CleanAnswers,
    Fee,
    FeeItem,
    RawAnswers,
    parse_date,
)
from server.forms.models import FormSubmission
from server.logs import get_logger
from server.payments.closing import ClosingReason, close_receivable
from server.payments.receivables import balance, find_by_kassenzeichen

log = get_logger("certificates")
PURPOSE = "certificate"  # the receivables' purpose in the payments area
SLUG = "urkunden"  # the order form's slug on the engine
SEARCH = "search"  # the code of the fee line of the search fee
MAX_COPIES = 10

E = TypeVar("E", bound=StrEnum)
# Until document and relationship are known the rules cannot tell what the order needs.
UNSETTLED = Assessment(settled=False)


def _first(answers: Mapping[str, object], name: str) -> str:
    value = answers.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def _enum(kind: type[E], answers: Mapping[str, object], name: str) -> E | None:
    try:
        return kind(_first(answers, name))
    except ValueError:
        return None


def _date(answers: Mapping[str, object], name: str) -> date | None:
    return parse_date(_first(answers, name))


def document_of(answers: Mapping[str, object]) -> DocumentKind | None:
    return _enum(DocumentKind, answers, "dokument")


def facts_of(answers: RawAnswers, context: AssessContext) -> Facts | None:
    """The facts of § 62 from the answers so far; None until document and relationship are
    known. An eID's date of birth wins over a typed one."""
    document = document_of(answers)
    relationship = _enum(Relationship, answers, "beziehung")
    if document is None or relationship is None:
        return None
    register = DOCUMENTS[document].register
    # Asked only of siblings and others, for whom § 62 Abs. 3 can matter.
    last_death = (
        _date(answers, "letzter_tod")
        if relationship in (Relationship.SIBLING, Relationship.OTHER)
        else None
    )
    return Facts(
        document=document,
        relationship=relationship,
        today=context.today,
        applicant_birthdate=context.birthdate or _date(answers, "antragsteller_geburtsdatum"),
        event_date=_date(answers, "ereignis_datum"),
        last_participant_died=last_death,
        adopted=DOCUMENTS[document].is_extract and _first(answers, "angenommen") == "ja",
        person_deceased=register is Register.DEATH or last_death is not None,
    )


def lowered() -> frozenset[DocumentKind]:
    """The document kinds the city ordered at a lower level (read at start: ``setup``)."""
    kinds = current_app.config.get(levels.SETTING, frozenset())
    return kinds if isinstance(kinds, frozenset) else levels.parse_lowered(kinds)


def order_level() -> str:
    """The level to begin an order: "high", or "low" where the city lowered some document."""
    return levels.entry_level(lowered())


def without_eid_url(target: str | None = None) -> str:
    """The page on the ways without the level: why, the eID, paper and an appointment."""
    return url_for("certificates.without_eid", next=target or url_for("forms.start", service=SLUG))


def below_level(level: str, target: str) -> str | None:
    """Below the regulation's level the explanation, not the bare login page: a password login
    would not be enough either. Below a lowered level (nobody logged in): the login."""
    return without_eid_url(target) if level == levels.REQUIRED_LEVEL else None


def orderable_labels(trust_level: str | None) -> str:
    """The documents a login at ``trust_level`` may order online, named for a sentence."""
    return ", ".join(
        str(DOCUMENTS[kind].label) for kind in levels.orderable(lowered(), trust_level)
    )


def level_refusal(trust_level: str | None) -> Assessment:
    """The chosen document needs a higher level than the login's: refused on the document
    question, with the way to the other ways."""
    message = _(
        "Diese Urkunde können Sie online nur mit dem Online-Ausweis bestellen (§ 6 Abs. 3 PStV)."
    )
    others = orderable_labels(trust_level)
    if others:
        message += " " + _("Ohne ihn können Sie online bestellen: %(documents)s.", documents=others)
    return Assessment(
        refusals={"dokument": message},
        refusal_links={
            "dokument": (
                _("So bekommen Sie die Urkunde ohne Online-Ausweis"),
                without_eid_url(),
            )
        },
        settled=False,
    )


def assess(answers: RawAnswers, context: AssessContext) -> Assessment:
    document = document_of(answers)
    if document is not None and not levels.may_order(document, lowered(), context.trust_level):
        return level_refusal(context.trust_level)
    facts = facts_of(answers, context)
    if facts is None:
        return UNSETTLED
    decision = decide(facts)
    explained = f"{decision.reason} ({decision.legal_basis})"
    if not decision.possible:
        return Assessment(refusals={"beziehung": explained})
    required: set[str] = set()
    notes = [explained]
    if decision.needs_explanation:
        required.add("interesse_begruendung")
    if decision.needs_proof:
        required.add("nachweis")
    if needs_id_copy(context.trust_level):
        required.add("ausweiskopie")
        notes.append(
            _(
                "Laden Sie eine Kopie Ihres Personalausweises oder Passes hoch (Vorder- und "
                "Rückseite). Mit dem Online-Ausweis angemeldet brauchen Sie keine Kopie."
            )
        )
    return Assessment(required=frozenset(required), notes=tuple(notes))


def known_details(answers: Mapping[str, object]) -> set[str]:
    """Which of the essential details of ``register_details`` the answers give."""
    known = set()
    if _first(answers, "vorname") and _first(answers, "nachname"):
        known.add("name")
    if _first(answers, "ereignis_datum"):
        known.add("event_date")
    if _first(answers, "eltern"):
        known.add("parents")
    if _first(answers, "partner_name"):
        known.add("partner_name")
    return known


def quote_of(answers: Mapping[str, object]) -> Quote:
    document = document_of(answers)
    purpose = _enum(Purpose, answers, "zweck")
    copies = _first(answers, "anzahl")
    if document is None or purpose is None or not copies.isdigit():
        raise ValueError("the fee needs document, purpose and number of copies")
    register = DOCUMENTS[document].register
    return quote(
        document,
        max(1, min(MAX_COPIES, int(copies))),
        purpose,
        search_needed=search_needed(
            register, known_details(answers), _first(answers, "registernummer")
        ),
    )


def fee(answers: CleanAnswers) -> Fee:
    """The engine's fee of a (valid) order, line by line."""
    priced = quote_of(answers)
    items = [FeeItem(line.label, line.cents) for line in priced.lines]
    if priced.search_fee_cents:
        # ``quote`` puts the search fee last.
        last = items[-1]
        items[-1] = FeeItem(last.label, last.cents, SEARCH)
    return Fee(tuple(items))


def payer(answers: CleanAnswers) -> str:
    return _first(answers, "empfaenger")


def refund_rejected(submission: FormSubmission, details: Mapping[str, str], clerk: str) -> None:
    """Status hook of 'abgelehnt': the order's receivable is closed as rejected, paying back
    what the fee table says (the search fee may be kept). Idempotent: the payments area closes
    a receivable once, however often or concurrently this runs."""
    if not submission.kassenzeichen:
        return  # a free order
    receivable = find_by_kassenzeichen(submission.kassenzeichen)
    if receivable is None:
        return
    lines = submission.fee_lines or []
    search_cents = sum(int(line["cents"]) for line in lines if line.get("code") == SEARCH)
    paid_quote = Quote(
        tuple(FeeLine(str(line["label"]), int(line["cents"])) for line in lines), search_cents
    )
    amount = refund_on_rejection(
        balance(receivable).paid_cents, paid_quote, searched=search_cents > 0
    )
    closure = close_receivable(
        receivable,
        reason=ClosingReason.REJECTED,
        actor=clerk,
        note=f"{submission.reference}: {details.get('grund', '')}",
        refund_cents=max(amount, 0),
    )
    if closure is not None:
        log.info(
            "certificate order closed",
            extra={
                "reference": submission.reference,
                "refund_cents": closure.refund.amount_cents if closure.refund else 0,
                "clerk": clerk,
            },
        )
