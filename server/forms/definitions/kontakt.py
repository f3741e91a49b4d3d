"""Kontaktanfrage: a general message to the city, with attachments, answered by the citizens'
office (*Bürgerbüro*), which passes it on to the office in charge."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.engine import Choice, Condition, Field, FieldKind, FormDefinition, Status, Step
from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Bürgerbüro"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Ihr Anliegen zu bearbeiten, an das zuständige Amt "
            "weiterzugeben und Ihnen zu antworten."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 25 VwVfG (Beratung und Auskunft); bei "
        "Beschwerden auch Art. 17 GG (Petitionsrecht)."
    ),
    # As RETENTION_FORM_SUBMISSION_YEARS deletes every engine service's submissions.
    retention=_l(
        "Wir löschen Ihre Nachricht und Ihre Kontaktdaten zwei Jahre nach dem Ende des Jahres, "
        "in dem Ihr Anliegen erledigt wurde, sofern sie nicht zu einem Verwaltungsverfahren "
        "gehören; dann gelten dessen Aufbewahrungsfristen."
    ),
    recipients=(
        _l("Das Amt der Stadtverwaltung, das für Ihr Anliegen zuständig ist."),
        _l(
            "Andere Behörden nur, wenn Ihr Anliegen dort zu bearbeiten ist; wir sagen es Ihnen "
            "dann."
        ),
    ),
    obligation=_l(
        "Die Angaben sind freiwillig. Ohne Namen und Kontaktdaten können wir Ihnen nicht antworten."
    ),
)

DEFINITION = FormDefinition(
    slug="kontakt",
    title=_l("Kontakt zur Stadt"),
    summary=_l(
        "Eine Frage, ein Hinweis oder eine Beschwerde an die Stadtverwaltung, mit Anhängen."
    ),
    role=Role.CITIZEN_OFFICE,
    reference_prefix="KON",
    privacy=PRIVACY,
    email_field="email",
    keywords=(
        "kontakt",
        "anfrage",
        "frage",
        "beschwerde",
        "hinweis",
        "contact",
        "question",
        "complaint",
    ),
    icon="mail",
    needs=(
        _l("Ihr Anliegen in eigenen Worten"),
        _l("Falls nötig: Fotos oder PDF-Dokumente"),
        _l("Wie wir Ihnen antworten sollen"),
    ),
    cost=_l("Kostenlos."),
    duration=_l("Etwa 5 Minuten. Wir antworten in der Regel innerhalb von 10 Arbeitstagen."),
    next_steps=(
        _l("Das Bürgerbüro liest Ihre Nachricht und gibt sie an das zuständige Amt weiter."),
        _l("Den Stand sehen Sie jederzeit mit Ihrer Eingangsnummer und dem Abrufcode."),
    ),
    queue_title=_l("Kontaktanfragen"),
    list_fields=("thema", "betreff", "name"),
    steps=(
        Step(
            "anliegen",
            _l("Ihr Anliegen"),
            (
                Field(
                    "thema",
                    FieldKind.RADIO,
                    _l("Worum geht es?"),
                    clerk_label=_l("Thema"),
                    choices=(
                        Choice("frage", _l("Eine Frage")),
                        Choice("hinweis", _l("Ein Hinweis, zum Beispiel auf einen Schaden")),
                        Choice("beschwerde", _l("Eine Beschwerde")),
                        Choice("lob", _l("Lob")),
                    ),
                    required_message=_l("Wählen Sie, worum es geht."),
                    facet="thema",
                ),
                Field(
                    "betreff",
                    FieldKind.TEXT,
                    _l("Betreff"),
                    required_message=_l("Geben Sie einen Betreff an."),
                    max_length=120,
                ),
                Field(
                    "nachricht",
                    FieldKind.TEXTAREA,
                    _l("Ihre Nachricht"),
                    required_message=_l("Schreiben Sie Ihre Nachricht."),
                    max_length=5000,
                ),
            ),
        ),
        Step(
            "anhaenge",
            _l("Anhänge"),
            (
                Field(
                    "anhaenge",
                    FieldKind.FILES,
                    _l("Fotos oder Dokumente (freiwillig)"),
                    hint=_l("Fotos (JPEG, PNG, WebP) oder PDF."),
                    required=False,
                    max_files=5,
                ),
            ),
        ),
        Step(
            "antwort",
            _l("Ihre Kontaktdaten"),
            (
                Field(
                    "name",
                    FieldKind.TEXT,
                    _l("Ihr Name"),
                    clerk_label=_l("Name"),
                    required_message=_l("Geben Sie Ihren Namen an."),
                    max_length=140,
                    prefill="full_name",
                    autocomplete="name",
                ),
                Field(
                    "antwortweg",
                    FieldKind.RADIO,
                    _l("Wie sollen wir Ihnen antworten?"),
                    choices=(
                        Choice("email", _l("Per E-Mail")),
                        Choice("post", _l("Per Brief")),
                        Choice("keine", _l("Ich brauche keine Antwort")),
                    ),
                    required_message=_l("Wählen Sie, wie wir Ihnen antworten sollen."),
                ),
                Field(
                    "email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse"),
                    hint=_l("Nur für eine Antwort per E-Mail."),
                    required_message=_l("Geben Sie Ihre E-Mail-Adresse an."),
                    max_length=254,
                    prefill="email",
                    autocomplete="email",
                    when=Condition("antwortweg", ("email",)),
                ),
                Field(
                    "anschrift",
                    FieldKind.TEXTAREA,
                    _l("Postanschrift"),
                    hint=_l(
                        "Nur für eine Antwort per Brief: Straße, Hausnummer, Postleitzahl und Ort."
                    ),
                    required_message=_l("Geben Sie Ihre Postanschrift an."),
                    max_length=300,
                    prefill="address",
                    when=Condition("antwortweg", ("post",)),
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("weitergeleitet", _l("An das zuständige Amt weitergeleitet")),
        Status("beantwortet", _l("Beantwortet"), final=True),
        Status("erledigt", _l("Erledigt"), final=True),
    ),
)
