"""Barriere melden: the feedback mechanism of the accessibility statement (§ 12b BGG, § 7
BITV NRW). A citizen reports a barrier on the portal or asks for content in an accessible
form; the citizens' office (*Bürgerbüro*) answers and passes it on to whoever fixes it. Not a
tile of the catalogue: the accessibility statement links to it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.engine import Field, FieldKind, FormDefinition, Status, Step
from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Bürgerbüro"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Meldung, um die Barriere zu beseitigen, Ihnen den Inhalt in "
            "einer barrierefreien Form zu geben und Ihnen zu antworten."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 12b BGG und der BITV NRW (Feedback-Mechanismus "
        "der Erklärung zur Barrierefreiheit)."
    ),
    # As RETENTION_FORM_SUBMISSION_YEARS deletes every engine service's submissions, the
    # report with them: nothing of it is kept apart.
    retention=_l(
        "Wir löschen Ihre Meldung und Ihre Kontaktdaten zwei Jahre nach dem Ende des Jahres, in "
        "dem sie erledigt wurde."
    ),
    recipients=(
        _l("Die Stelle der Stadtverwaltung, die die Seite oder den Dienst betreut."),
        _l(
            "Die Ombudsstelle für barrierefreie Informationstechnik nur, wenn Sie sich dorthin "
            "wenden und uns darum bitten."
        ),
    ),
    obligation=_l(
        "Name und E-Mail-Adresse sind freiwillig. Ohne E-Mail-Adresse können wir Ihnen nicht "
        "antworten."
    ),
)

DEFINITION = FormDefinition(
    slug="barrierefreiheit-feedback",
    title=_l("Barriere melden"),
    summary=_l(
        "Melden Sie uns Barrieren im Bürgerportal oder fragen Sie Inhalte in einer "
        "barrierefreien Form an."
    ),
    role=Role.CITIZEN_OFFICE,
    reference_prefix="BFR",
    privacy=PRIVACY,
    keywords=("barrierefreiheit", "barriere", "accessibility", "barrier"),
    icon="chat",
    needs=(
        _l("Auf welcher Seite das Problem auftritt"),
        _l("Was nicht funktioniert"),
    ),
    cost=_l("Kostenlos."),
    duration=_l("Etwa 3 Minuten. Wir antworten innerhalb eines Monats."),
    next_steps=(
        _l("Das Bürgerbüro prüft Ihre Meldung und gibt sie an die zuständige Stelle weiter."),
        _l(
            "Wenn Sie eine E-Mail-Adresse angegeben haben, antworten wir Ihnen innerhalb eines "
            "Monats."
        ),
    ),
    queue_title=_l("Meldungen zur Barrierefreiheit"),
    list_fields=("seite", "email"),
    steps=(
        Step(
            "problem",
            _l("Die Barriere"),
            (
                Field(
                    "seite",
                    FieldKind.TEXT,
                    _l("Auf welcher Seite oder bei welchem Dienst?"),
                    clerk_label=_l("Seite oder Dienst"),
                    hint=_l("Zum Beispiel die Adresse der Seite oder der Name des Dienstes."),
                    required_message=_l("Geben Sie an, wo das Problem auftritt."),
                    max_length=300,
                ),
                Field(
                    "problem",
                    FieldKind.TEXTAREA,
                    _l("Was funktioniert nicht?"),
                    hint=_l(
                        "Beschreiben Sie das Problem. Nennen Sie gern auch Ihr Hilfsmittel, "
                        "zum Beispiel einen Screenreader."
                    ),
                    required_message=_l("Beschreiben Sie das Problem."),
                    max_length=5000,
                ),
            ),
        ),
        Step(
            "kontakt",
            _l("Ihre Kontaktdaten"),
            (
                Field(
                    "name",
                    FieldKind.TEXT,
                    _l("Ihr Name (freiwillig)"),
                    required=False,
                    max_length=140,
                    prefill="full_name",
                    autocomplete="name",
                ),
                Field(
                    "email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse für unsere Antwort (freiwillig)"),
                    clerk_label=_l("E-Mail"),
                    hint=_l("Ohne E-Mail-Adresse können wir Ihnen nicht antworten."),
                    required=False,
                    max_length=254,
                    prefill="email",
                    autocomplete="email",
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("in-pruefung", _l("In Prüfung")),
        Status("beantwortet", _l("Beantwortet"), final=True),
        Status("erledigt", _l("Erledigt"), final=True),
    ),
    email_field="email",
)
