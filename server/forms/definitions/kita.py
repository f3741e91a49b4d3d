"""Kita-Anmeldung: registering a child for a place in a daycare centre (Kindertagesstätte).

Parents or other guardians (*Erziehungsberechtigte*) register the child with the youth office
(*Jugendamt*), naming up to three preferred daycares; the youth office makes an offer
(*Platzangebot*), which the parents accept (*Zusage*), or declines. Since 2013 every child from
its first birthday has a legal claim to a place (§ 24 SGB VIII); the hours per week
(*Betreuungsumfang*) are booked in the city's three bands.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.engine import (
    Choice,
    Condition,
    DateRule,
    Field,
    FieldKind,
    FormDefinition,
    Status,
    Step,
)
from server.privacy import PrivacyNotice

YES_NO = (Choice("ja", _l("Ja")), Choice("nein", _l("Nein")))

# The city's daycares. Their names are proper names and are not translated.
DAYCARES = (
    Choice("kita-sonnenschein", "Kita Sonnenschein, Lindenweg 3"),
    Choice("kita-regenbogen", "Kita Regenbogen, Am Markt 12"),
    Choice("kita-pusteblume", "Kita Pusteblume, Wiesenstraße 40"),
    Choice("kita-sternschnuppe", "Kita Sternschnuppe, Schulstraße 7"),
    Choice("kita-waldwichtel", "Waldkita Waldwichtel, Forsthaus 1"),
    Choice("kita-kleine-strolche", "Kita Kleine Strolche, Bahnhofstraße 22"),
)

PRIVACY = PrivacyNotice(
    controller=_l("Jugendamt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Ihr Kind für einen Kita-Platz vorzumerken und einen "
            "Platz zu vermitteln."
        ),
        _l(
            "Wir planen mit den Anmeldungen den Bedarf an Kita-Plätzen in der Stadt "
            "(Jugendhilfeplanung, § 80 SGB VIII); dafür werden die Angaben nur zusammengefasst "
            "ausgewertet."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. §§ 24, 62 SGB VIII; die Weitergabe an die gewählten "
        "Kitas und Angaben zu einem besonderen Förderbedarf auf Grund Ihrer Einwilligung "
        "(Art. 6 Abs. 1 lit. a, Art. 9 Abs. 2 lit. a DSGVO)."
    ),
    retention=_l(
        "Wir löschen Ihre Angaben, wenn Ihr Kind die Kita verlässt oder Sie die Anmeldung "
        "zurückziehen; kommt kein Platz zustande, spätestens ein Jahr nach dem gewünschten Beginn."
    ),
    recipients=(
        _l("Die Kitas, die Sie gewählt haben, und ihre Träger, wenn Sie eingewilligt haben."),
        _l(
            "Innerhalb der Stadtverwaltung nur die Beschäftigten des Jugendamts, die Kita-Plätze "
            "vergeben."
        ),
    ),
    obligation=_l(
        "Die Angaben sind freiwillig. Ohne sie können wir Ihr Kind nicht für einen Platz vormerken."
    ),
)


DEFINITION = FormDefinition(
    slug="kita-anmeldung",
    title=_l("Kita-Anmeldung"),
    summary=_l("Ihr Kind für einen Platz in einer Kindertagesstätte anmelden."),
    role=Role.YOUTH_OFFICE,
    reference_prefix="KITA",
    privacy=PRIVACY,
    email_field="eltern_email",
    keywords=(
        "kita",
        "kindergarten",
        "kindertagesstätte",
        "krippe",
        "betreuung",
        "daycare",
        "childcare",
        "nursery",
    ),
    icon="child_care",
    needs=(
        _l("Name und Geburtsdatum Ihres Kindes"),
        _l("Ihre Anschrift und wie wir Sie erreichen"),
        _l("Den gewünschten Beginn und Betreuungsumfang"),
        _l("Bis zu drei Wunsch-Kitas"),
        _l("Falls Ihr Kind besonderen Förderbedarf hat: Nachweise als Foto oder PDF"),
    ),
    cost=_l("Die Anmeldung ist kostenlos. Für den Platz erhebt die Stadt Elternbeiträge."),
    duration=_l(
        "Etwa 10 Minuten zum Ausfüllen. Ein Platzangebot erhalten Sie meist 3 bis 6 Monate vor "
        "dem gewünschten Beginn."
    ),
    next_steps=(
        _l(
            "Das Jugendamt prüft Ihre Anmeldung und meldet sich, sobald es einen Platz "
            "anbieten kann."
        ),
        _l(
            "Den Stand Ihrer Anmeldung sehen Sie jederzeit mit Ihrer Eingangsnummer und dem "
            "Abrufcode."
        ),
    ),
    queue_title=_l("Kita-Anmeldungen"),
    # The Kita queue was announced on the overview before the service existed.
    queue_key="kita",
    list_fields=("kind_vorname", "kind_nachname", "beginn", "kita_1"),
    steps=(
        Step(
            "kind",
            _l("Ihr Kind"),
            (
                Field(
                    "kind_vorname",
                    FieldKind.TEXT,
                    _l("Vorname des Kindes"),
                    clerk_label=_l("Vorname"),
                    required_message=_l("Geben Sie den Vornamen Ihres Kindes an."),
                    max_length=100,
                ),
                Field(
                    "kind_nachname",
                    FieldKind.TEXT,
                    _l("Nachname des Kindes"),
                    clerk_label=_l("Nachname"),
                    required_message=_l("Geben Sie den Nachnamen Ihres Kindes an."),
                    max_length=100,
                ),
                Field(
                    "kind_geburtsdatum",
                    FieldKind.DATE,
                    _l("Geburtsdatum des Kindes"),
                    hint=_l(
                        "Vor der Geburt angemeldete Kinder melden Sie bitte nach der Geburt an."
                    ),
                    required_message=_l("Geben Sie das Geburtsdatum Ihres Kindes an."),
                    date_rule=DateRule.PAST,
                ),
            ),
        ),
        Step(
            "eltern",
            _l("Ihre Angaben"),
            (
                Field(
                    "eltern_vorname",
                    FieldKind.TEXT,
                    _l("Ihr Vorname"),
                    required_message=_l("Geben Sie Ihren Vornamen an."),
                    max_length=100,
                    prefill="given_name",
                    autocomplete="given-name",
                ),
                Field(
                    "eltern_nachname",
                    FieldKind.TEXT,
                    _l("Ihr Nachname"),
                    required_message=_l("Geben Sie Ihren Nachnamen an."),
                    max_length=100,
                    prefill="family_name",
                    autocomplete="family-name",
                ),
                Field(
                    "eltern_strasse",
                    FieldKind.TEXT,
                    _l("Straße und Hausnummer"),
                    required_message=_l("Geben Sie Straße und Hausnummer an."),
                    max_length=140,
                    prefill="street",
                    autocomplete="street-address",
                ),
                Field(
                    "eltern_plz_ort",
                    FieldKind.TEXT,
                    _l("Postleitzahl und Ort"),
                    required_message=_l("Geben Sie Postleitzahl und Ort an."),
                    max_length=140,
                    pattern=(
                        r"\d{5}\s+\S.*",
                        _l("Geben Sie die fünfstellige Postleitzahl und den Ort an."),
                    ),
                    prefill="postcode_city",
                ),
                Field(
                    "eltern_email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse"),
                    required_message=_l("Geben Sie Ihre E-Mail-Adresse an."),
                    max_length=254,
                    prefill="email",
                    autocomplete="email",
                ),
                Field(
                    "eltern_telefon",
                    FieldKind.PHONE,
                    _l("Telefonnummer (freiwillig)"),
                    required=False,
                    max_length=30,
                    autocomplete="tel",
                ),
                Field(
                    "zweite_person",
                    FieldKind.RADIO,
                    _l("Gibt es eine zweite erziehungsberechtigte Person?"),
                    choices=YES_NO,
                    required_message=_l(
                        "Wählen Sie, ob es eine zweite erziehungsberechtigte Person gibt."
                    ),
                ),
            ),
        ),
        Step(
            "zweite-person",
            _l("Zweite erziehungsberechtigte Person"),
            (
                Field(
                    "zweite_vorname",
                    FieldKind.TEXT,
                    _l("Vorname der zweiten Person"),
                    required_message=_l("Geben Sie den Vornamen der zweiten Person an."),
                    max_length=100,
                ),
                Field(
                    "zweite_nachname",
                    FieldKind.TEXT,
                    _l("Nachname der zweiten Person"),
                    required_message=_l("Geben Sie den Nachnamen der zweiten Person an."),
                    max_length=100,
                ),
                Field(
                    "zweite_telefon",
                    FieldKind.PHONE,
                    _l("Telefonnummer der zweiten Person (freiwillig)"),
                    required=False,
                    max_length=30,
                ),
            ),
            when=Condition("zweite_person", ("ja",)),
        ),
        Step(
            "betreuung",
            _l("Gewünschte Betreuung"),
            (
                Field(
                    "beginn",
                    FieldKind.DATE,
                    _l("Gewünschter Beginn"),
                    clerk_label=_l("Beginn"),
                    required_message=_l("Geben Sie an, ab wann Sie einen Platz brauchen."),
                    date_rule=DateRule.FUTURE,
                    facet="beginn",
                ),
                Field(
                    "umfang",
                    FieldKind.RADIO,
                    _l("Betreuungsumfang pro Woche"),
                    choices=(
                        Choice("25", _l("bis 25 Stunden")),
                        Choice("35", _l("bis 35 Stunden")),
                        Choice("45", _l("bis 45 Stunden")),
                    ),
                    required_message=_l("Wählen Sie den Betreuungsumfang."),
                ),
            ),
        ),
        Step(
            "kitas",
            _l("Wunsch-Kitas"),
            (
                Field(
                    "kita_1",
                    FieldKind.SELECT,
                    _l("Erster Wunsch"),
                    clerk_label=_l("Kita-Wunsch"),
                    choices=DAYCARES,
                    required_message=_l("Wählen Sie mindestens eine Wunsch-Kita."),
                    facet="kita",
                ),
                Field(
                    "kita_2",
                    FieldKind.SELECT,
                    _l("Zweiter Wunsch (freiwillig)"),
                    choices=DAYCARES,
                    required=False,
                    distinct_from=("kita_1",),
                    facet="kita",
                ),
                Field(
                    "kita_3",
                    FieldKind.SELECT,
                    _l("Dritter Wunsch (freiwillig)"),
                    choices=DAYCARES,
                    required=False,
                    distinct_from=("kita_1", "kita_2"),
                    facet="kita",
                ),
            ),
            intro=_l(
                "Sie können bis zu drei Kitas nennen. Wir versuchen, Ihren ersten Wunsch zu "
                "erfüllen."
            ),
        ),
        Step(
            "foerderbedarf",
            _l("Besonderer Förderbedarf"),
            (
                Field(
                    "besonderer_bedarf",
                    FieldKind.RADIO,
                    _l("Hat Ihr Kind einen besonderen Förderbedarf?"),
                    hint=_l(
                        "Zum Beispiel eine Behinderung, eine chronische Krankheit oder eine "
                        "Allergie."
                    ),
                    choices=YES_NO,
                    required_message=_l(
                        "Wählen Sie, ob Ihr Kind einen besonderen Förderbedarf hat."
                    ),
                ),
                Field(
                    "bedarf_beschreibung",
                    FieldKind.TEXTAREA,
                    _l("Beschreiben Sie den Förderbedarf"),
                    hint=_l("Nur wenn Sie „Ja“ gewählt haben."),
                    required_message=_l("Beschreiben Sie den Förderbedarf Ihres Kindes."),
                    max_length=2000,
                    when=Condition("besonderer_bedarf", ("ja",)),
                ),
                Field(
                    "bedarf_nachweise",
                    FieldKind.FILES,
                    _l("Nachweise (freiwillig)"),
                    hint=_l("Nur wenn Sie „Ja“ gewählt haben. Fotos (JPEG, PNG, WebP) oder PDF."),
                    required=False,
                    max_files=5,
                    when=Condition("besonderer_bedarf", ("ja",)),
                ),
            ),
        ),
        Step(
            "einwilligung",
            _l("Einwilligungen"),
            (
                Field(
                    "einwilligung_daten",
                    FieldKind.CONSENT,
                    _l(
                        "Ich bin damit einverstanden, dass das Jugendamt meine Angaben für die "
                        "Vergabe eines Kita-Platzes speichert und verarbeitet."
                    ),
                    required_message=_l(
                        "Ohne diese Einwilligung können wir Ihre Anmeldung nicht bearbeiten."
                    ),
                ),
                Field(
                    "einwilligung_kitas",
                    FieldKind.CONSENT,
                    _l(
                        "Ich bin damit einverstanden, dass das Jugendamt meine Angaben an die "
                        "gewählten Kitas weitergibt."
                    ),
                    required_message=_l(
                        "Ohne diese Einwilligung können die Kitas Ihnen keinen Platz anbieten."
                    ),
                ),
            ),
            intro=_l(
                "Ihre Angaben werden nur für die Vergabe eines Kita-Platzes verwendet und "
                "gelöscht, wenn Ihr Kind die Kita verlässt oder Sie die Anmeldung zurückziehen."
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("angebot", _l("Platzangebot gemacht")),
        Status("zugesagt", _l("Platz bestätigt"), final=True),
        Status("abgelehnt", _l("Abgelehnt"), final=True, negative=True),
    ),
)
