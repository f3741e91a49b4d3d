"""The Mängelmelder's form: what was seen, where, photos, and whether the reporter wants an
answer. Its statuses carry the Baubetriebshof's public answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.engine import (
    Choice,
    Condition,
    Field,
    FieldKind,
    FormDefinition,
    Status,
    StatusInput,
    Step,
)
from server.privacy import PrivacyNotice

SLUG = "maengelmelder"
CATEGORY = "kategorie"  # the answer (and facet) the public list is filtered by
PLACE = "standort"
POSITION = "position"
ANSWER = "antwort"  # the status input the public sees

CATEGORIES = (
    Choice("strasse", _l("Schlagloch oder Schaden an Straße und Gehweg")),
    Choice("beleuchtung", _l("Straßenbeleuchtung defekt")),
    Choice("muell", _l("Müll oder wilde Ablagerung")),
    Choice("gruen", _l("Bäume, Grünflächen und Spielplätze")),
    Choice("verkehrszeichen", _l("Verkehrszeichen oder Ampel")),
    Choice("sonstiges", _l("Etwas anderes")),
)

# Latitude and longitude in decimal degrees, as the button writes them and a map app copies them.
POSITION_PATTERN = r"-?\d{1,2}(\.\d{1,8})?\s*,\s*-?\d{1,3}(\.\d{1,8})?"

PRIVACY = PrivacyNotice(
    controller=_l("Baubetriebshof"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Meldung, um den Mangel zu prüfen und zu beheben, und, wenn Sie "
            "es wünschen, um Ihnen zu antworten."
        ),
        _l(
            "Art des Mangels, Ort, Datum und Stand der Bearbeitung erscheinen mit unserer "
            "Antwort in der öffentlichen Liste der Meldungen, ohne Ihren Namen, Ihre "
            "E-Mail-Adresse, Ihre Beschreibung und Ihre Fotos."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. der Verkehrssicherungspflicht der Stadt für ihre "
        "Straßen und Anlagen; Ihre Kontaktdaten auf Grund Ihrer Einwilligung (Art. 6 Abs. 1 "
        "lit. a DSGVO), die Sie jederzeit widerrufen können."
    ),
    # As RETENTION_FORM_SUBMISSION_YEARS deletes every engine service's submissions.
    retention=_l(
        "Wir löschen Ihre Meldung mit Fotos und Kontaktdaten zwei Jahre nach dem Ende des "
        "Jahres, in dem sie erledigt wurde."
    ),
    recipients=(
        _l("Der Baubetriebshof und das Amt, das für den Ort zuständig ist."),
        _l("Beauftragte Firmen erhalten nur Ort, Beschreibung und Fotos."),
    ),
    obligation=_l(
        "Die Angaben sind freiwillig. Ohne einen Ort können wir den Mangel nicht finden; ohne "
        "Kontaktdaten können wir Ihnen nicht antworten."
    ),
)

_PUBLIC_ANSWER = StatusInput(
    ANSWER,
    _l("Antwort für die öffentliche Liste"),
    FieldKind.TEXTAREA,
    max_length=1000,
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Mängelmelder"),
    summary=_l(
        "Ein Schlagloch, eine defekte Laterne oder wilden Müll melden, mit Foto und Standort."
    ),
    role=Role.PUBLIC_WORKS,
    reference_prefix="MAE",
    privacy=PRIVACY,
    email_field="email",
    keywords=(
        "mängel",
        "mangel",
        "schaden",
        "schlagloch",
        "laterne",
        "straßenbeleuchtung",
        "müll",
        "sperrmüll",
        "defect",
        "pothole",
        "streetlight",
        "litter",
        "report",
    ),
    icon="report",
    needs=(
        _l("Was kaputt oder verschmutzt ist"),
        _l("Wo es ist: Adresse, Beschreibung oder den Standort Ihres Telefons"),
        _l("Falls möglich: ein Foto"),
    ),
    cost=_l("Kostenlos."),
    duration=_l("Etwa 2 Minuten."),
    next_steps=(
        _l("Der Baubetriebshof prüft Ihre Meldung und gibt sie an die zuständige Stelle."),
        _l("Den Stand sehen Sie mit Eingangsnummer und Abrufcode und in der öffentlichen Liste."),
    ),
    queue_title=_l("Gemeldete Mängel"),
    list_fields=(CATEGORY, PLACE),
    steps=(
        Step(
            "mangel",
            _l("Was möchten Sie melden?"),
            (
                Field(
                    CATEGORY,
                    FieldKind.RADIO,
                    _l("Art des Mangels"),
                    clerk_label=_l("Art"),
                    choices=CATEGORIES,
                    required_message=_l("Wählen Sie, was Sie melden möchten."),
                    facet=CATEGORY,
                ),
                Field(
                    "beschreibung",
                    FieldKind.TEXTAREA,
                    _l("Beschreibung"),
                    hint=_l("Was ist zu sehen? Ist es gefährlich?"),
                    required_message=_l("Beschreiben Sie kurz, was Sie gesehen haben."),
                    max_length=2000,
                ),
            ),
        ),
        Step(
            "ort",
            _l("Wo ist es?"),
            (
                Field(
                    PLACE,
                    FieldKind.TEXT,
                    _l("Ort"),
                    hint=_l(
                        "Straße und Hausnummer oder eine Beschreibung, zum Beispiel "
                        "„Kreuzung Markt / Bahnhofstraße, vor der Apotheke“."
                    ),
                    required_message=_l("Beschreiben Sie, wo der Mangel ist."),
                    max_length=200,
                ),
                Field(
                    POSITION,
                    FieldKind.TEXT,
                    _l("Position (freiwillig)"),
                    hint=_l("Breite und Länge, zum Beispiel 50.93750, 6.96028."),
                    required=False,
                    max_length=40,
                    pattern=(
                        POSITION_PATTERN,
                        _l(
                            "Geben Sie die Position als Breite und Länge an, "
                            "zum Beispiel 50.93750, 6.96028."
                        ),
                    ),
                    locate=True,
                ),
            ),
        ),
        Step(
            "fotos",
            _l("Fotos"),
            (
                Field(
                    "fotos",
                    FieldKind.FILES,
                    _l("Fotos (freiwillig)"),
                    hint=_l("Fotos (JPEG, PNG, WebP). Bitte ohne erkennbare Personen."),
                    required=False,
                    accept=("image",),
                    max_files=3,
                ),
            ),
        ),
        Step(
            "rueckmeldung",
            _l("Antwort"),
            (
                Field(
                    "rueckmeldung",
                    FieldKind.RADIO,
                    _l("Möchten Sie eine Antwort per E-Mail?"),
                    choices=(
                        Choice("email", _l("Ja, per E-Mail")),
                        Choice("keine", _l("Nein, ich melde ohne Kontaktdaten")),
                    ),
                    required_message=_l("Wählen Sie, ob Sie eine Antwort möchten."),
                ),
                Field(
                    "email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse"),
                    required_message=_l("Geben Sie Ihre E-Mail-Adresse an."),
                    max_length=254,
                    prefill="email",
                    autocomplete="email",
                    when=Condition("rueckmeldung", ("email",)),
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("in-arbeit", _l("In Bearbeitung"), inputs=(_PUBLIC_ANSWER,)),
        Status("erledigt", _l("Erledigt"), final=True, inputs=(_PUBLIC_ANSWER,)),
        Status(
            "nicht-zustaendig",
            _l("An die zuständige Stelle abgegeben"),
            final=True,
            inputs=(_PUBLIC_ANSWER,),
        ),
    ),
)
