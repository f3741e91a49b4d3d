"""The application for a resident parking permit: the address (which decides the zone), the
vehicle, how many years; the fee before the Straßenverkehrsbehörde sees it; approval issues the
permit, a refusal refunds the fee."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.common_fields import contact_email, full_name, street_address
from server.forms.engine import (
    AssessContext,
    Assessment,
    Choice,
    CleanAnswers,
    Fee,
    FeeItem,
    Field,
    FieldKind,
    FormDefinition,
    PaymentStep,
    RawAnswers,
    Status,
    StatusInput,
    Step,
)
from server.forms.models import FormSubmission
from server.forms.payment import refund_in_full
from server.parkausweis import permits, plates, zones
from server.privacy import PrivacyNotice

SLUG = "bewohnerparkausweis"
PURPOSE = "parking-permit"
APPROVED = "genehmigt"


def assess(answers: RawAnswers, _context: AssessContext) -> Assessment:
    """The address decides the zone: outside every zone there is no permit."""
    street = next(iter(answers.get("strasse", ())), "").strip()
    if not street:
        return Assessment(settled=False)
    zone = zones.table().zone_of(street)
    if zone is None:
        return Assessment(
            refusals={
                "strasse": _(
                    "Diese Anschrift liegt in keiner Bewohnerparkzone. Einen "
                    "Bewohnerparkausweis gibt es nur für Anschriften in einer Zone."
                )
            }
        )
    return Assessment(
        notes=(
            _(
                "Ihre Anschrift liegt in der Zone %(code)s (%(name)s).",
                code=zone.code,
                name=zone.name,
            ),
        )
    )


def fee(answers: CleanAnswers) -> Fee:
    years = permits.years_of(answers)
    per_year = zones.table().fee_per_year_cents
    label = _("Bewohnerparkausweis, %(count)s Jahr(e)", count=years)
    return Fee((FeeItem(label, per_year * years),))


def payer(answers: CleanAnswers) -> str:
    return str(answers.get("name", ""))


def documents(submission: FormSubmission) -> Sequence[tuple[str, str]]:
    if submission.status != APPROVED or permits.permit_of(submission) is None:
        return ()
    return (
        (
            _("Bewohnerparkausweis herunterladen (PDF)"),
            url_for("parkausweis.permit_pdf", reference=submission.reference),
        ),
    )


PRIVACY = PrivacyNotice(
    controller=_l("Straßenverkehrsbehörde"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um zu prüfen, ob Sie in der Zone wohnen und das "
            "Fahrzeug auf Sie zugelassen ist, und um den Ausweis auszustellen."
        ),
        _l(
            "Wer den QR-Code des Ausweises prüft, sieht nur Kennzeichen, Zone und Gültigkeit, "
            "nicht Ihren Namen."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 45 Abs. 1b Nr. 2a StVO und der "
        "Gebührenordnung der Stadt für das Bewohnerparken."
    ),
    retention=_l(
        "Wir löschen Ihren Antrag zwei Jahre nach dem Ende des Jahres, in dem er erledigt "
        "wurde; der Ausweis selbst gilt nur bis zu seinem Ablauf."
    ),
    recipients=(
        _l("Die Straßenverkehrsbehörde; die Stadtkasse für die Gebühr."),
        _l("Die Bußgeldstelle sieht, ob für ein Kennzeichen ein gültiger Ausweis besteht."),
    ),
    obligation=_l("Ohne Ihre Angaben können wir keinen Ausweis ausstellen."),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Bewohnerparkausweis"),
    summary=_l("Den Parkausweis für Ihre Bewohnerparkzone beantragen und bezahlen."),
    role=Role.TRAFFIC_OFFICE,
    reference_prefix="BPA",
    privacy=PRIVACY,
    login_level="low",
    email_field="email",
    keywords=(
        "parkausweis",
        "bewohnerparken",
        "anwohnerparken",
        "parkzone",
        "parken",
        "resident parking",
        "parking permit",
    ),
    icon="local_parking",
    needs=(
        _l("Ein Konto oder den Online-Ausweis; Ihre Anschrift muss in einer Zone liegen"),
        _l("Die Zulassungsbescheinigung Teil I (Fahrzeugschein) als Foto oder PDF"),
        _l("Eine Möglichkeit, online zu bezahlen"),
    ),
    cost=_l("Die Jahresgebühr der Stadt; sie steht vor dem Bezahlen da."),
    duration=_l("Etwa 5 Minuten. Wir prüfen den Antrag meist innerhalb von drei Werktagen."),
    next_steps=(
        _l("Die Straßenverkehrsbehörde prüft Anschrift und Fahrzeugschein."),
        _l("Ist der Antrag genehmigt, laden Sie den Ausweis hier herunter und legen ihn aus."),
    ),
    queue_title=_l("Bewohnerparkausweise"),
    list_fields=("name", "kennzeichen", "strasse"),
    assess=assess,
    payment=PaymentStep(
        purpose=PURPOSE, fee=fee, payer=payer, description=_l("Bewohnerparkausweis")
    ),
    documents=documents,
    steps=(
        Step(
            "anschrift",
            _l("Wo wohnen Sie?"),
            (
                full_name(),
                street_address(_l("Ihre Hauptwohnung in der Stadt.")),
                contact_email(),
            ),
            assessed=True,
        ),
        Step(
            "fahrzeug",
            _l("Ihr Fahrzeug"),
            (
                Field(
                    "kennzeichen",
                    FieldKind.TEXT,
                    _l("Kennzeichen"),
                    hint=_l("Zum Beispiel MU-EM 123."),
                    required_message=_l("Geben Sie das Kennzeichen an."),
                    max_length=16,
                    pattern=(
                        plates.PATTERN,
                        _l("Geben Sie ein deutsches Kennzeichen an, zum Beispiel MU-EM 123."),
                    ),
                ),
                Field(
                    "fahrzeugschein",
                    FieldKind.FILES,
                    _l("Zulassungsbescheinigung Teil I"),
                    hint=_l("Foto oder PDF; Halter oder Halterin müssen Sie sein."),
                    required_message=_l("Laden Sie die Zulassungsbescheinigung hoch."),
                    max_files=2,
                ),
                Field(
                    "laufzeit",
                    FieldKind.RADIO,
                    _l("Wie lange soll der Ausweis gelten?"),
                    choices=(Choice("1", _l("Ein Jahr")), Choice("2", _l("Zwei Jahre"))),
                    required_message=_l("Wählen Sie die Laufzeit."),
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status(APPROVED, _l("Genehmigt"), final=True, on_enter=permits.issue),
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
