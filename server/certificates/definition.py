"""Urkunden bestellen: ordering civil-status certificates (Personenstandsurkunden) from the
registry office (*Standesamt*).

The citizen chooses the document, the number of copies and the purpose, gives the details of
the register entry they know, says who they are to the person in the entry, and sends what the
rules of §§ 62, 63 PStG ask for (an explanation, a proof, a copy of their ID); the fee comes from
the city's fee table and is paid online before the registry office sees the order. The rules and
the fee live beside this file (``order.py`` connects them to this form); ``setup.py`` registers
the definition with the form engine.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.certificates import order
from server.certificates.documents import DOCUMENTS, DocumentKind
from server.certificates.eligibility import AFTER_DEATH_REGISTERS, Relationship
from server.certificates.fees import PURPOSE_LABELS
from server.forms.engine import (
    Choice,
    Condition,
    DateRule,
    Field,
    FieldKind,
    FormDefinition,
    PaymentStep,
    Status,
    StatusInput,
    Step,
)
from server.privacy import PrivacyNotice

MULTILINGUAL = tuple(kind.value for kind, document in DOCUMENTS.items() if document.multilingual)
BIRTH = (DocumentKind.BIRTH_CERTIFICATE.value, DocumentKind.BIRTH_EXTRACT.value)
COUPLE = (
    DocumentKind.MARRIAGE_CERTIFICATE.value,
    DocumentKind.PARTNERSHIP_CERTIFICATE.value,
)
SEARCH_HINT = _l("Ohne diese Angabe muss das Standesamt suchen; dafür fällt eine Suchgebühr an.")

DEATH = (DocumentKind.DEATH_CERTIFICATE.value,)
NOT_DEATH = tuple(kind.value for kind in DocumentKind if kind.value not in DEATH)
# § 62 Abs. 3 PStG: thirty years after the last participant's death (births, marriages and
# partnerships, not deaths).
AFTER_DEATH = tuple(
    kind.value for kind, document in DOCUMENTS.items() if document.register in AFTER_DEATH_REGISTERS
)

RELATIONSHIPS = (
    # Nobody orders their own death certificate.
    Choice(
        Relationship.SELF.value,
        _l("Ich bin die Person im Eintrag"),
        when=Condition("dokument", NOT_DEATH),
    ),
    Choice(Relationship.SPOUSE.value, _l("Ehegatte, Ehegattin oder Lebenspartner(in)")),
    Choice(Relationship.ANCESTOR.value, _l("Vorfahr (Mutter, Vater, Großeltern …)")),
    Choice(Relationship.DESCENDANT.value, _l("Abkömmling (Kind, Enkelkind …)")),
    Choice(Relationship.SIBLING.value, _l("Bruder oder Schwester")),
    Choice(
        Relationship.OTHER.value,
        _l("Andere Person (zum Beispiel Cousine, Onkel, Erbe, Bevollmächtigte)"),
    ),
)


def _login_need() -> str:
    """What the catalogue says about the login, as the city's setting has it (§ 6 Abs. 3 PStV:
    the eID; a password login with an ID copy only for the documents the city lowered)."""
    lowered = order.orderable_labels("low")
    if not lowered:
        return _(
            "Den Online-Ausweis: Urkunden bestellen Sie online nur mit ihm (§ 6 Abs. 3 PStV). "
            "Ohne Online-Ausweis: den Antrag zum Ausdrucken oder einen Termin im Standesamt."
        )
    return _(
        "Den Online-Ausweis (§ 6 Abs. 3 PStV). Ohne ihn bestellen Sie online mit Ihrem Konto "
        "und einer Kopie Ihres Personalausweises oder Passes (Foto oder PDF) nur: "
        "%(documents)s. Alle anderen Urkunden mit dem Antrag zum Ausdrucken oder bei einem "
        "Termin im Standesamt.",
        documents=lowered,
    )


PRIVACY = PrivacyNotice(
    controller=_l("Standesamt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um Ihre Berechtigung zu prüfen, die Urkunde aus dem "
            "Personenstandsregister auszustellen, die Gebühr zu erheben und die Urkunde zu "
            "versenden."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. §§ 55, 62 und 63 PStG und der "
        "Personenstandsverordnung (PStV); für die Gebühr das Gebührenrecht des Landes."
    ),
    retention=_l(
        "Die Bestellung mit ihren Nachweisen bewahren wir nach den Aufbewahrungsfristen für "
        "Personenstandsangelegenheiten auf, in der Regel zehn Jahre; Kassenbelege zur Gebühr "
        "zehn Jahre nach dem Ende des Jahres der Zahlung."
    ),
    recipients=(
        _l("Die Stadtkasse für die Gebühr."),
        _l(
            "Der Betreiber der Bezahlplattform und sein Zahlungsdienstleister, wenn Sie online "
            "bezahlen."
        ),
        _l("Die Deutsche Post oder ein anderer Postdienstleister für den Versand der Urkunde."),
    ),
    obligation=_l(
        "Die Angaben sind für die Bestellung erforderlich (§ 62 PStG); ohne sie können wir keine "
        "Urkunde ausstellen."
    ),
)

DEFINITION = FormDefinition(
    slug=order.SLUG,
    title=_l("Urkunden bestellen"),
    summary=_l("Geburts-, Ehe-, Lebenspartnerschafts- und Sterbeurkunden bestellen."),
    role=Role.REGISTRY_OFFICE,
    reference_prefix="URK",
    privacy=PRIVACY,
    keywords=(
        "standesamt",
        "geburtsurkunde",
        "eheurkunde",
        "sterbeurkunde",
        "lebenspartnerschaftsurkunde",
        "registerausdruck",
        "personenstandsurkunde",
        "certificate",
        "birth",
        "marriage",
        "death",
    ),
    icon="description",
    needs=(
        LazyString(_login_need),
        _l("Namen, Datum und Ort des Ereignisses (Geburt, Eheschließung, Tod)"),
        _l("Für Urkunden anderer Personen gegebenenfalls einen Nachweis Ihres Interesses"),
    ),
    cost=_l(
        "12 € für die erste Urkunde, 6 € für jede weitere gleichzeitig bestellte. Für Renten-, "
        "Sozialversicherungs- und Sozialleistungsangelegenheiten gebührenfrei. Fehlen Angaben "
        "zum Eintrag, kommt eine Suchgebühr von 12 € hinzu."
    ),
    duration=_l(
        "Etwa 10 Minuten. Das Standesamt versendet die Urkunde meist innerhalb einer Woche "
        "nach der Zahlung."
    ),
    next_steps=(
        _l("Das Standesamt prüft Ihre Bestellung im Register."),
        _l("Die Urkunde kommt mit der Post an die angegebene Anschrift."),
        _l("Den Stand sehen Sie jederzeit in Ihrem Konto."),
    ),
    queue_title=_l("Urkundenbestellungen"),
    queue_key="certificates",
    list_fields=("dokument", "anzahl", "nachname", "vorname", "beziehung"),
    # Any login sees its orders; to order, § 6 Abs. 3 PStV asks for level "high" unless the
    # city lowered a document (``levels``): below it the page on the other ways.
    login_level="low",
    order_level=order.order_level,
    below_level=order.below_level,
    email_field="email",
    assess=order.assess,
    payment=PaymentStep(
        purpose=order.PURPOSE,
        fee=order.fee,
        payer=order.payer,
        description=_l("Urkundenbestellung"),
    ),
    steps=(
        Step(
            "urkunde",
            _l("Welche Urkunde?"),
            (
                Field(
                    "dokument",
                    FieldKind.RADIO,
                    _l("Welche Urkunde brauchen Sie?"),
                    clerk_label=_l("Urkunde"),
                    choices=tuple(
                        Choice(kind.value, document.label) for kind, document in DOCUMENTS.items()
                    ),
                    required_message=_l("Wählen Sie die Urkunde."),
                    facet="dokument",
                ),
                Field(
                    "fassung",
                    FieldKind.RADIO,
                    _l("In welcher Fassung?"),
                    hint=_l(
                        "Die internationale Urkunde ist mehrsprachig und wird in vielen "
                        "Staaten ohne Übersetzung anerkannt."
                    ),
                    choices=(
                        Choice("deutsch", _l("Deutsch")),
                        Choice("international", _l("International (mehrsprachig)")),
                    ),
                    required_message=_l("Wählen Sie die Fassung."),
                    when=Condition("dokument", MULTILINGUAL),
                ),
                Field(
                    "anzahl",
                    FieldKind.SELECT,
                    _l("Wie viele Ausfertigungen?"),
                    clerk_label=_l("Anzahl"),
                    hint=_l("Jede weitere gleichzeitig bestellte Ausfertigung kostet die Hälfte."),
                    choices=tuple(Choice(str(n), str(n)) for n in range(1, order.MAX_COPIES + 1)),
                    required_message=_l("Wählen Sie die Zahl der Ausfertigungen."),
                ),
                Field(
                    "zweck",
                    FieldKind.SELECT,
                    _l("Wofür brauchen Sie die Urkunde?"),
                    clerk_label=_l("Zweck"),
                    hint=_l(
                        "Für Renten-, Sozialversicherungs- und Sozialleistungsangelegenheiten "
                        "ist die Urkunde gebührenfrei."
                    ),
                    choices=tuple(
                        Choice(purpose.value, label) for purpose, label in PURPOSE_LABELS.items()
                    ),
                    required_message=_l("Wählen Sie den Zweck."),
                    facet="zweck",
                ),
            ),
        ),
        Step(
            "eintrag",
            _l("Angaben zum Eintrag"),
            (
                Field(
                    "vorname",
                    FieldKind.TEXT,
                    _l("Vorname(n) der Person im Eintrag"),
                    clerk_label=_l("Vorname"),
                    required_message=_l("Geben Sie den Vornamen der Person im Eintrag an."),
                    max_length=140,
                ),
                Field(
                    "nachname",
                    FieldKind.TEXT,
                    _l("Familienname der Person im Eintrag"),
                    clerk_label=_l("Familienname"),
                    required_message=_l("Geben Sie den Familiennamen der Person im Eintrag an."),
                    max_length=140,
                    facet="nachname",
                ),
                Field(
                    "geburtsname",
                    FieldKind.TEXT,
                    _l("Geburtsname, falls anders (freiwillig)"),
                    required=False,
                    max_length=140,
                ),
                Field(
                    "partner_name",
                    FieldKind.TEXT,
                    _l("Name des Ehegatten oder Lebenspartners"),
                    hint=SEARCH_HINT,
                    required=False,
                    max_length=200,
                    when=Condition("dokument", COUPLE),
                ),
                Field(
                    "geburtsdatum_verstorben",
                    FieldKind.DATE,
                    _l("Geburtsdatum der verstorbenen Person (freiwillig)"),
                    required=False,
                    date_rule=DateRule.PAST,
                    when=Condition("dokument", DEATH),
                ),
                Field(
                    "ereignis_datum",
                    FieldKind.DATE,
                    _l("Datum der Geburt, Eheschließung, Lebenspartnerschaft oder des Todes"),
                    hint=SEARCH_HINT,
                    required=False,
                    date_rule=DateRule.PAST,
                    not_before=(
                        "geburtsdatum_verstorben",
                        _l("Der Tod kann nicht vor der Geburt liegen. Bitte prüfen Sie die Daten."),
                    ),
                ),
                Field(
                    "ort",
                    FieldKind.TEXT,
                    _l("Ort des Ereignisses"),
                    required_message=_l("Geben Sie den Ort an, an dem das Ereignis war."),
                    max_length=140,
                ),
                Field(
                    "eltern",
                    FieldKind.TEXTAREA,
                    _l("Namen der Eltern"),
                    hint=SEARCH_HINT,
                    required=False,
                    max_length=400,
                    when=Condition("dokument", BIRTH),
                ),
                Field(
                    "registernummer",
                    FieldKind.TEXT,
                    _l("Registernummer, falls bekannt"),
                    hint=_l(
                        "Steht auf einer früheren Urkunde, zum Beispiel G 123/1990. Mit der "
                        "Registernummer fällt keine Suchgebühr an."
                    ),
                    required=False,
                    max_length=40,
                    pattern=(
                        r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}",
                        _l("Die Registernummer besteht aus Buchstaben, Ziffern und / oder -."),
                    ),
                ),
                Field(
                    "angenommen",
                    FieldKind.RADIO,
                    _l("Wurde die Person als Kind angenommen (adoptiert)?"),
                    choices=(Choice("ja", _l("Ja")), Choice("nein", _l("Nein"))),
                    required_message=_l("Geben Sie an, ob die Person angenommen wurde."),
                    when=Condition("dokument", (DocumentKind.BIRTH_EXTRACT.value,)),
                ),
            ),
        ),
        Step(
            "berechtigung",
            _l("Ihre Berechtigung"),
            (
                Field(
                    "beziehung",
                    FieldKind.RADIO,
                    _l("Wer sind Sie für die Person im Eintrag?"),
                    clerk_label=_l("Beziehung"),
                    choices=RELATIONSHIPS,
                    required_message=_l("Wählen Sie, wer Sie für die Person im Eintrag sind."),
                    facet="beziehung",
                ),
                Field(
                    "antragsteller_geburtsdatum",
                    FieldKind.DATE,
                    _l("Ihr Geburtsdatum"),
                    hint=_l("Urkunden erhalten Sie ab 16 Jahren."),
                    required_message=_l("Geben Sie Ihr Geburtsdatum an."),
                    date_rule=DateRule.PAST,
                    prefill="birthdate",
                    autocomplete="bday",
                ),
                Field(
                    "letzter_tod",
                    FieldKind.DATE,
                    _l(
                        "Falls alle Beteiligten des Eintrags verstorben sind: Todesdatum der "
                        "zuletzt verstorbenen Person (freiwillig)"
                    ),
                    hint=_l(
                        "Beteiligte sind bei einer Geburt das Kind und die Eltern, bei einer Ehe "
                        "oder Lebenspartnerschaft beide Partner."
                    ),
                    required=False,
                    date_rule=DateRule.PAST,
                    when=Condition(
                        "beziehung",
                        (Relationship.SIBLING.value, Relationship.OTHER.value),
                        also=Condition("dokument", AFTER_DEATH),
                    ),
                ),
            ),
        ),
        Step(
            "nachweise",
            _l("Nachweise"),
            (
                # The purpose itself is asked once, on the first step ("zweck"); here the
                # rules want to know why this applicant has an interest in the entry.
                Field(
                    "interesse_begruendung",
                    FieldKind.TEXTAREA,
                    _l("Warum brauchen gerade Sie diese Urkunde?"),
                    hint=_l(
                        "Beschreiben Sie Ihr Interesse am Eintrag, zum Beispiel: Ich bin Erbe "
                        "und beantrage den Erbschein beim Nachlassgericht."
                    ),
                    required=False,
                    required_message=_l("Beschreiben Sie Ihr Interesse am Eintrag."),
                    max_length=2000,
                    assessed=True,
                ),
                Field(
                    "nachweis",
                    FieldKind.FILES,
                    _l("Nachweis Ihres rechtlichen Interesses"),
                    hint=_l(
                        "Zum Beispiel das Schreiben eines Gerichts, Nachlassgerichts oder einer "
                        "Behörde, das die Urkunde verlangt; als Foto oder PDF."
                    ),
                    required=False,
                    required_message=_l(
                        "Laden Sie einen Nachweis Ihres rechtlichen Interesses hoch, zum "
                        "Beispiel das Schreiben des Gerichts oder der Behörde."
                    ),
                    max_files=5,
                    assessed=True,
                ),
                Field(
                    "ausweiskopie",
                    FieldKind.FILES,
                    _l("Kopie Ihres Personalausweises oder Passes"),
                    hint=_l("Vorder- und Rückseite, als Foto oder PDF."),
                    required=False,
                    required_message=_l(
                        "Laden Sie eine Kopie Ihres Personalausweises oder Passes hoch."
                    ),
                    max_files=2,
                    assessed=True,
                ),
            ),
            assessed=True,
        ),
        Step(
            "versand",
            _l("Versand"),
            (
                Field(
                    "empfaenger",
                    FieldKind.TEXT,
                    _l("Name der Empfängerin oder des Empfängers"),
                    required_message=_l("Geben Sie an, an wen die Urkunde gehen soll."),
                    max_length=140,
                    prefill="full_name",
                    autocomplete="name",
                ),
                Field(
                    "strasse",
                    FieldKind.TEXT,
                    _l("Straße und Hausnummer"),
                    required_message=_l("Geben Sie Straße und Hausnummer an."),
                    max_length=140,
                    prefill="street",
                    autocomplete="street-address",
                ),
                Field(
                    "plz_ort",
                    FieldKind.TEXT,
                    _l("Postleitzahl und Ort"),
                    required_message=_l("Geben Sie Postleitzahl und Ort an."),
                    max_length=140,
                    prefill="postcode_city",
                    pattern=(
                        r"[0-9A-Za-z-]{3,10}\s+\S.*",
                        _l("Geben Sie Postleitzahl und Ort an, zum Beispiel 12345 Musterstadt."),
                    ),
                ),
                Field(
                    "email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse für die Bestätigung"),
                    required_message=_l("Geben Sie Ihre E-Mail-Adresse an."),
                    max_length=254,
                    prefill="email",
                    autocomplete="email",
                ),
            ),
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("in-bearbeitung", _l("In Bearbeitung")),
        Status(
            "versandt",
            _l("Ausgestellt und versandt"),
            final=True,
            inputs=(
                StatusInput(
                    "versanddatum",
                    _l("Versanddatum"),
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
            inputs=(StatusInput("grund", _l("Grund der Ablehnung"), FieldKind.TEXTAREA),),
            on_enter=order.refund_rejected,
        ),
    ),
)
