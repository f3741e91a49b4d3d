"""The application for a certificate of registration: which kind, how it is delivered, the
applicant's data (from the eID), the fee; the clerk issues it or refuses it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.common_fields import applicant_birth_date, applicant_name, contact_email
from server.forms.engine import (
    Choice,
    CleanAnswers,
    DateRule,
    Fee,
    FeeItem,
    Field,
    FieldKind,
    FormDefinition,
    PaymentStep,
    Status,
    StatusInput,
    Step,
)
from server.forms.models import FormSubmission
from server.forms.payment import refund_in_full
from server.forms.submissions import StatusError
from server.meldebescheinigung import issuing
from server.privacy import PrivacyNotice

SLUG = "meldebescheinigung"
PURPOSE = "registration-certificate"  # the receivables' purpose in the payments area
SIMPLE, EXTENDED = "einfach", "erweitert"
PDF, POST = "pdf", "post"

KINDS = (
    Choice(SIMPLE, _l("Einfache Meldebescheinigung: Name und Anschrift")),
    Choice(EXTENDED, _l("Erweiterte Meldebescheinigung: auch Geburtsdatum und Einzugsdatum")),
)


def _text(answers: Mapping[str, object], name: str) -> str:
    value = answers.get(name, "")
    return value[0] if isinstance(value, list) and value else str(value or "")


def fee(answers: CleanAnswers) -> Fee:
    """The city's fee for the kind chosen (settings ``MELDEBESCHEINIGUNG_*FEE_CENTS``)."""
    if _text(answers, "art") == EXTENDED:
        return Fee(
            (
                FeeItem(
                    _("Erweiterte Meldebescheinigung"),
                    int(current_app.config["MELDEBESCHEINIGUNG_EXTENDED_FEE_CENTS"]),
                ),
            )
        )
    return Fee(
        (
            FeeItem(
                _("Einfache Meldebescheinigung"),
                int(current_app.config["MELDEBESCHEINIGUNG_FEE_CENTS"]),
            ),
        )
    )


def payer(answers: CleanAnswers) -> str:
    return f"{_text(answers, 'vorname')} {_text(answers, 'nachname')}".strip()


def _delivered_as(expected: str) -> issuing.StatusCheck:
    """The issuing status must match the delivery the citizen chose."""

    def check(submission: FormSubmission, _details: Mapping[str, str], _clerk: str) -> None:
        if _text(submission.answers, "zustellung") != expected:
            raise StatusError(
                {
                    "status": _(
                        "Gewünscht ist: %(way)s. Wählen Sie den Stand, der dazu passt.",
                        way=_("als PDF") if expected == POST else _("per Post"),
                    )
                }
            )

    return check


def _eid_only() -> str:
    return "high"


PRIVACY = PrivacyNotice(
    controller=_l("Bürgerbüro (Meldebehörde)"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Ihren Eintrag im Melderegister zu finden und Ihnen "
            "die Meldebescheinigung auszustellen."
        ),
    ),
    legal_basis=_l("Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 18 Bundesmeldegesetz (BMG)."),
    retention=_l(
        "Wir löschen Ihren Antrag zwei Jahre nach dem Ende des Jahres, in dem er erledigt "
        "wurde; Zahlungsbelege nach den Fristen des Haushaltsrechts."
    ),
    recipients=(_l("Das Bürgerbüro als Meldebehörde; die Stadtkasse für die Gebühr."),),
    obligation=_l(
        "Ohne Ihre Angaben können wir Sie im Melderegister nicht finden und keine "
        "Bescheinigung ausstellen."
    ),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Meldebescheinigung"),
    summary=_l("Eine Meldebescheinigung online beantragen, mit dem Online-Ausweis."),
    role=Role.CITIZEN_OFFICE,
    reference_prefix="MB",
    privacy=PRIVACY,
    # Filling in and sending need the eID (the certificate says who lives where); the status
    # page and the issued PDF open like every application's: the browser that sent it, the
    # logged-in citizen, or the Abrufcode.
    order_level=_eid_only,
    email_field="email",
    keywords=(
        "meldebescheinigung",
        "wohnsitz",
        "anmeldung",
        "melderegister",
        "bescheinigung",
        "registration",
        "certificate of registration",
        "residence",
    ),
    icon="id_card",
    needs=(
        _l("Ihren Personalausweis mit Online-Ausweisfunktion und die PIN"),
        _l("Eine Möglichkeit, online zu bezahlen"),
    ),
    cost=_l("Die Gebühr der Stadt; sie steht vor dem Bezahlen da."),
    duration=_l("Etwa 3 Minuten. Wir stellen die Bescheinigung meist am nächsten Werktag aus."),
    next_steps=(
        _l("Das Bürgerbüro prüft Ihren Eintrag im Melderegister und stellt die Bescheinigung aus."),
        _l("Als PDF laden Sie sie hier herunter; per Post kommt sie an Ihre Anschrift."),
    ),
    queue_title=_l("Meldebescheinigungen"),
    list_fields=("nachname", "vorname", "art", "zustellung"),
    payment=PaymentStep(
        purpose=PURPOSE,
        fee=fee,
        payer=payer,
        description=_l("Meldebescheinigung"),
    ),
    documents=issuing.documents,
    steps=(
        Step(
            "art",
            _l("Welche Bescheinigung?"),
            (
                Field(
                    "art",
                    FieldKind.RADIO,
                    _l("Art der Meldebescheinigung"),
                    clerk_label=_l("Art"),
                    choices=KINDS,
                    required_message=_l("Wählen Sie die Art der Meldebescheinigung."),
                    facet="art",
                ),
                Field(
                    "zustellung",
                    FieldKind.RADIO,
                    _l("Wie möchten Sie sie erhalten?"),
                    clerk_label=_l("Zustellung"),
                    choices=(
                        Choice(PDF, _l("Als PDF zum Herunterladen")),
                        Choice(POST, _l("Per Post an meine Anschrift")),
                    ),
                    required_message=_l("Wählen Sie, wie Sie die Bescheinigung erhalten möchten."),
                    facet="zustellung",
                ),
            ),
        ),
        Step(
            "person",
            _l("Ihre Angaben"),
            (
                *applicant_name(),
                applicant_birth_date(),
                contact_email(
                    _l("Für die Eingangsbestätigung und die Nachricht, wenn sie fertig ist.")
                ),
            ),
            intro=_l(
                "Vorausgefüllt aus Ihrem Online-Ausweis. Die Anschrift übernimmt das Bürgerbüro "
                "aus dem Melderegister."
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status(
            "ausgestellt",
            _l("Ausgestellt: als PDF bereit"),
            final=True,
            inputs=issuing.REGISTER_INPUTS,
            on_enter=_delivered_as(PDF),
        ),
        Status(
            "versandt",
            _l("Ausgestellt und per Post versandt"),
            final=True,
            inputs=(
                *issuing.REGISTER_INPUTS,
                StatusInput("versanddatum", _l("Versanddatum"), FieldKind.DATE, DateRule.PAST),
            ),
            on_enter=_delivered_as(POST),
        ),
        Status(
            "abgelehnt",
            _l("Abgelehnt"),
            final=True,
            negative=True,
            inputs=(StatusInput("grund", _l("Grund der Ablehnung"), FieldKind.TEXTAREA),),
            on_enter=refund_in_full,
        ),
    ),
)
