"""The application for a polling card and postal-vote documents (§ 27 BWO): who applies, where
they are registered, where the documents go; the Wahlamt records the dispatch."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.briefwahl import election
from server.forms.common_fields import applicant_birth_date, applicant_name, contact_email
from server.forms.engine import (
    Choice,
    Condition,
    DateRule,
    Field,
    FieldKind,
    FormDefinition,
    Status,
    StatusInput,
    Step,
)
from server.privacy import PrivacyNotice

SLUG = "briefwahl"

PRIVACY = PrivacyNotice(
    controller=_l("Wahlamt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Ihr Wahlrecht im Wählerverzeichnis zu prüfen, "
            "Ihnen Wahlschein und Briefwahlunterlagen zu senden und den Versand im "
            "Wählerverzeichnis zu vermerken."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. §§ 25 bis 28 Bundeswahlordnung (BWO) und den "
        "entsprechenden Vorschriften des Landes- und Kommunalwahlrechts."
    ),
    retention=_l(
        "Wir löschen Ihren Antrag zwei Jahre nach dem Ende des Jahres, in dem die Unterlagen "
        "versandt wurden; das Wählerverzeichnis wird nach den Vorschriften der Wahlordnung "
        "aufbewahrt."
    ),
    recipients=(
        _l(
            "Das Wahlamt der Stadt; der Wahlvorstand sieht im Wählerverzeichnis den Vermerk "
            "„Wahlschein erteilt“."
        ),
    ),
    obligation=_l(
        "Ohne Ihre Angaben können wir Sie im Wählerverzeichnis nicht finden und keinen "
        "Wahlschein erteilen."
    ),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Briefwahl beantragen"),
    summary=_l("Wahlschein und Briefwahlunterlagen für die nächste Wahl beantragen."),
    role=Role.ELECTION_OFFICE,
    reference_prefix="WS",
    privacy=PRIVACY,
    email_field="email",
    keywords=(
        "briefwahl",
        "wahlschein",
        "wahl",
        "briefwahlunterlagen",
        "postal vote",
        "election",
        "voting",
    ),
    icon="how_to_vote",
    needs=(
        _l("Ihre Wahlbenachrichtigung, falls Sie sie schon haben"),
        _l("Die Anschrift, an die die Unterlagen gehen sollen"),
    ),
    cost=_l("Kostenlos."),
    duration=_l("Etwa 3 Minuten. Die Unterlagen kommen in der Regel nach wenigen Tagen."),
    next_steps=(
        _l(
            "Das Wahlamt prüft Ihren Eintrag im Wählerverzeichnis und schickt Ihnen die Unterlagen."
        ),
        _l("Sobald sie versandt sind, sehen Sie hier „Versandt“ und erhalten eine E-Mail."),
    ),
    queue_title=_l("Briefwahlanträge"),
    list_fields=("nachname", "vorname", "versand"),
    closed=election.closed_reason,
    steps=(
        Step(
            "person",
            _l("Ihre Person"),
            (
                *applicant_name(),
                applicant_birth_date(),
            ),
            intro=LazyString(election.intro),
        ),
        Step(
            "anschrift",
            _l("Ihre Wohnanschrift"),
            (
                Field(
                    "strasse",
                    FieldKind.TEXT,
                    _l("Straße und Hausnummer"),
                    required_message=_l("Geben Sie Straße und Hausnummer an."),
                    max_length=120,
                    prefill="street",
                    autocomplete="street-address",
                ),
                Field(
                    "plz_ort",
                    FieldKind.TEXT,
                    _l("Postleitzahl und Ort"),
                    required_message=_l("Geben Sie Postleitzahl und Ort an."),
                    max_length=120,
                    prefill="postcode_city",
                ),
                Field(
                    "wahlbezirk",
                    FieldKind.TEXT,
                    _l("Wahlbezirk und Nummer im Wählerverzeichnis (freiwillig)"),
                    hint=_l("Steht auf Ihrer Wahlbenachrichtigung; ohne sie suchen wir Sie."),
                    required=False,
                    max_length=40,
                ),
            ),
            intro=_l(
                "Die Anschrift, mit der Sie in der Stadt gemeldet sind (so steht es im "
                "Wählerverzeichnis)."
            ),
        ),
        Step(
            "versand",
            _l("Wohin sollen die Unterlagen?"),
            (
                Field(
                    "versand",
                    FieldKind.RADIO,
                    _l("Versand der Unterlagen"),
                    clerk_label=_l("Versand"),
                    choices=(
                        Choice("wohnanschrift", _l("An meine Wohnanschrift")),
                        Choice("andere", _l("An eine andere Anschrift, zum Beispiel im Urlaub")),
                    ),
                    required_message=_l("Wählen Sie, wohin die Unterlagen gehen sollen."),
                    facet="versand",
                ),
                Field(
                    "versandanschrift",
                    FieldKind.TEXTAREA,
                    _l("Andere Anschrift"),
                    hint=_l(
                        "Name, Straße und Hausnummer, Postleitzahl, Ort und gegebenenfalls Land."
                    ),
                    required_message=_l("Geben Sie die Anschrift an, an die die Unterlagen gehen."),
                    max_length=400,
                    when=Condition("versand", ("andere",)),
                ),
                contact_email(
                    _l("Für die Eingangsbestätigung und die Nachricht über den Versand.")
                ),
                Field(
                    "versicherung",
                    FieldKind.CONSENT,
                    _l(
                        "Ich beantrage den Wahlschein für mich selbst. Mir ist bekannt, dass ein "
                        "Antrag für eine andere Person eine schriftliche Vollmacht braucht."
                    ),
                    required_message=_l(
                        "Bestätigen Sie, dass Sie den Wahlschein für sich selbst beantragen."
                    ),
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status(
            "versandt",
            _l("Versandt"),
            final=True,
            inputs=(
                StatusInput(
                    "versanddatum",
                    _l("Versandt am"),
                    FieldKind.DATE,
                    date_rule=DateRule.PAST,
                ),
            ),
        ),
        Status(
            "abgelehnt",
            _l("Abgelehnt"),
            final=True,
            negative=True,
            inputs=(StatusInput("grund", _l("Grund"), FieldKind.TEXTAREA, max_length=1000),),
        ),
    ),
)
