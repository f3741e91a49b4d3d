"""The online hearing as steps, built of the form engine's parts: what the person wants to do
(admit, contest, name the driver), only that intent's questions, their personal details, their
attachments, then check the answers and send.

The steps are a ``FormDefinition`` of the engine, so that conditions, validation, the rendering of
questions and the check-your-answers rows are the engine's; but the hearing is no service of the
catalogue: the definition is not registered, each case has its own (``for_case``, its drafts are
kept apart per case), the files are the fines area's uploads of the case and the statement is
stored by ``hearing.submit_statement`` as before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.fines.hearing import Person
from server.fines.models import FineCase, StatementKind
from server.fines.privacy import PRIVACY
from server.forms.engine import (
    Choice,
    Condition,
    DateRule,
    Field,
    FieldKind,
    FormDefinition,
    RawAnswers,
    Status,
    Step,
    parse_date,
)

TEXT_LENGTH = 5000
FILES = "files"
INTENT = "kind"


STEPS = (
    Step(
        "absicht",
        _l("Stellung nehmen"),
        (
            Field(
                INTENT,
                FieldKind.RADIO,
                _l("Was möchten Sie tun?"),
                choices=(
                    Choice(StatementKind.ADMIT.value, _l("Ich räume den Verstoß ein")),
                    Choice(StatementKind.CONTEST.value, _l("Ich bestreite den Verstoß")),
                    Choice(
                        StatementKind.NOMINATE.value,
                        _l("Ich bin nicht gefahren und benenne die Fahrerin oder den Fahrer"),
                    ),
                ),
                required_message=_l("Wählen Sie, was Sie tun möchten."),
            ),
        ),
    ),
    Step(
        "einraeumen",
        _l("Den Verstoß einräumen"),
        (
            Field(
                "admit_text",
                FieldKind.TEXTAREA,
                _l("Ihre Äußerung (freiwillig)"),
                hint=_l("Zum Beispiel, wenn Sie etwas erklären möchten."),
                required=False,
                max_length=TEXT_LENGTH,
            ),
        ),
        when=Condition(INTENT, (StatementKind.ADMIT.value,)),
    ),
    Step(
        "bestreiten",
        _l("Den Verstoß bestreiten"),
        (
            Field(
                "contest_text",
                FieldKind.TEXTAREA,
                _l("Ihre Äußerung"),
                hint=_l(
                    "Schreiben Sie, warum Sie den Verstoß bestreiten. Fotos oder PDF können Sie "
                    "danach beifügen."
                ),
                required_message=_l("Schreiben Sie, warum Sie den Verstoß bestreiten."),
                max_length=TEXT_LENGTH,
            ),
        ),
        when=Condition(INTENT, (StatementKind.CONTEST.value,)),
    ),
    Step(
        "fahrer",
        _l("Fahrerin oder Fahrer benennen"),
        (
            Field(
                "driver_name",
                FieldKind.TEXT,
                _l("Name der Fahrerin oder des Fahrers"),
                required_message=_l("Geben Sie den Namen der Fahrerin oder des Fahrers an."),
                max_length=140,
            ),
            Field(
                "driver_street",
                FieldKind.TEXT,
                _l("Straße und Hausnummer der Fahrerin oder des Fahrers"),
                required_message=_l("Geben Sie die Anschrift an."),
                max_length=140,
            ),
            Field(
                "driver_postcode_city",
                FieldKind.TEXT,
                _l("Postleitzahl und Ort der Fahrerin oder des Fahrers"),
                required_message=_l("Geben Sie Postleitzahl und Ort an."),
                max_length=140,
            ),
            Field(
                "driver_birth_date",
                FieldKind.DATE,
                _l("Geburtsdatum der Fahrerin oder des Fahrers"),
                required_message=_l("Geben Sie das Geburtsdatum an."),
                date_rule=DateRule.PAST,
            ),
            Field(
                "nominate_text",
                FieldKind.TEXTAREA,
                _l("Ihre Äußerung (freiwillig)"),
                required=False,
                max_length=TEXT_LENGTH,
            ),
        ),
        intro=_l(
            "Die Bußgeldstelle leitet dann ein Verfahren gegen diese Person ein. Ihre eigenen "
            "Angaben zur Person machen Sie im nächsten Schritt."
        ),
        when=Condition(INTENT, (StatementKind.NOMINATE.value,)),
    ),
    Step(
        "person",
        _l("Ihre Angaben zur Person"),
        (
            Field(
                "person_name",
                FieldKind.TEXT,
                _l("Vor- und Nachname"),
                required_message=_l("Geben Sie Ihren Namen an."),
                max_length=140,
                autocomplete="name",
            ),
            Field(
                "person_street",
                FieldKind.TEXT,
                _l("Straße und Hausnummer"),
                required_message=_l("Geben Sie Ihre Anschrift an."),
                max_length=140,
                autocomplete="street-address",
            ),
            Field(
                "person_postcode_city",
                FieldKind.TEXT,
                _l("Postleitzahl und Ort"),
                required_message=_l("Geben Sie Postleitzahl und Ort an."),
                max_length=140,
            ),
            Field(
                "person_birth_date",
                FieldKind.DATE,
                _l("Geburtsdatum"),
                required_message=_l("Geben Sie Ihr Geburtsdatum an."),
                date_rule=DateRule.PAST,
                autocomplete="bday",
            ),
            Field(
                "email",
                FieldKind.EMAIL,
                _l("E-Mail-Adresse für die Eingangsbestätigung (freiwillig)"),
                required=False,
                max_length=254,
                autocomplete="email",
            ),
        ),
        intro=_l(
            "Diese Angaben sind Pflicht (§ 111 OWiG). Bitte berichtigen Sie sie, wenn sie nicht "
            "stimmen."
        ),
    ),
    Step(
        "anhaenge",
        _l("Fotos oder Dokumente"),
        (
            Field(
                FILES,
                FieldKind.FILES,
                _l("Fotos oder PDF (freiwillig, höchstens 5)"),
                hint=_l("Fotos (JPEG, PNG, WebP) oder PDF."),
                required=False,
            ),
        ),
        intro=_l(
            "Wenn Sie Fotos oder Unterlagen haben, die Ihre Angaben stützen, fügen Sie sie hier "
            "bei. Sonst gehen Sie einfach weiter."
        ),
    ),
)

# The words of each intent's statement: the one text field its step asks.
TEXT_FIELD = {
    StatementKind.ADMIT: "admit_text",
    StatementKind.CONTEST: "contest_text",
    StatementKind.NOMINATE: "nominate_text",
}

HEARING = FormDefinition(
    slug="anhoerung",
    title=_l("Anhörung im Bußgeldverfahren"),
    summary=_l("Stellung nehmen oder die Fahrerin oder den Fahrer benennen"),
    role=Role.FINES,
    reference_prefix="EB",
    steps=STEPS,
    statuses=(Status("eingegangen", _l("Eingegangen")),),
    email_field="email",
    privacy=PRIVACY,
)


def for_case(case: FineCase) -> FormDefinition:
    """The hearing of one case: its own slug keeps the drafts of two cases on one browser
    apart."""
    return replace(HEARING, slug=f"anhoerung-{case.aktenzeichen}")


def prefill(case: FineCase) -> dict[str, list[str]]:
    """The personal details the letter was addressed with, to be confirmed or corrected."""
    return {
        "person_name": [case.holder_name],
        "person_street": [case.holder_street],
        "person_postcode_city": [case.holder_postcode_city],
    }


@dataclass(frozen=True)
class Statement:
    """What the checked answers say, as ``hearing.submit_statement`` takes it."""

    kind: StatementKind
    text: str
    person: Person
    driver: Person | None
    email: str | None


def _one(answers: RawAnswers, name: str) -> str:
    return next((value.strip() for value in answers.get(name, ()) if value.strip()), "")


def _day(answers: RawAnswers, name: str) -> date | None:
    return parse_date(_one(answers, name))


def statement_of(answers: RawAnswers) -> Statement:
    """The statement of answers that passed ``validate_all``."""
    kind = StatementKind(_one(answers, INTENT))
    driver = None
    if kind == StatementKind.NOMINATE:
        driver = Person(
            _one(answers, "driver_name"),
            _one(answers, "driver_street"),
            _one(answers, "driver_postcode_city"),
            _day(answers, "driver_birth_date"),
        )
    return Statement(
        kind=kind,
        text=_one(answers, TEXT_FIELD[kind]),
        person=Person(
            _one(answers, "person_name"),
            _one(answers, "person_street"),
            _one(answers, "person_postcode_city"),
            _day(answers, "person_birth_date"),
        ),
        driver=driver,
        email=_one(answers, "email") or None,
    )
