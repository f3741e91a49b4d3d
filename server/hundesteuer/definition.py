"""Registering a dog for the dog tax: the owner, the dog, how the tax is paid (with a SEPA
mandate or by transfer); the tax office approves with the tax tag number."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.common_fields import contact_email, full_name
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
from server.hundesteuer import tax
from server.privacy import PrivacyNotice

SLUG = "hundesteuer"


PRIVACY = PrivacyNotice(
    controller=_l("Steueramt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um die Hundesteuer festzusetzen, die Steuermarke "
            "auszugeben und die Steuer einzuziehen."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. c und e DSGVO i. V. m. dem Kommunalabgabengesetz des Landes und der "
        "Hundesteuersatzung der Stadt."
    ),
    # As RETENTION_FORM_SUBMISSION_YEARS deletes every engine service's submissions; the
    # receivables stay with the payments area's periods.
    retention=_l(
        "Wir löschen Ihre Anmeldung zwei Jahre nach dem Ende des Jahres, in dem sie bearbeitet "
        "wurde; die Steuerforderungen und Zahlungen bewahrt die Stadtkasse nach den Fristen des "
        "Haushaltsrechts auf."
    ),
    recipients=(_l("Das Steueramt; die Stadtkasse und ihre Bank für die Lastschrift."),),
    obligation=_l(
        "Hunde sind anzumelden; ohne Ihre Angaben können wir die Steuer nicht festsetzen."
    ),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Hund anmelden (Hundesteuer)"),
    summary=_l("Einen Hund zur Hundesteuer anmelden, auf Wunsch mit Lastschrift."),
    role=Role.TAX_OFFICE,
    reference_prefix="HST",
    privacy=PRIVACY,
    login_level="low",
    email_field="email",
    keywords=("hundesteuer", "hund", "steuermarke", "dog", "dog tax", "pet"),
    icon="pets",
    needs=(
        _l("Ein Konto oder den Online-Ausweis"),
        _l("Name und Rasse des Hundes und seit wann Sie ihn halten"),
        _l("Für die Lastschrift: Ihre IBAN"),
    ),
    cost=_l("Die Hundesteuer nach der Satzung der Stadt, anteilig ab dem Folgemonat."),
    duration=_l("Etwa 5 Minuten."),
    next_steps=(
        _l("Das Steueramt prüft die Anmeldung und schickt Ihnen die Steuermarke."),
        _l("Die Steuer für dieses Jahr steht danach unter „Bescheide bezahlen“ mit Kassenzeichen."),
    ),
    queue_title=_l("Hundeanmeldungen"),
    list_fields=("name", "hund_name", "art", "zahlweise"),
    assess=tax.assess,
    steps=(
        Step(
            "halter",
            _l("Halterin oder Halter"),
            (
                full_name(),
                Field(
                    "anschrift",
                    FieldKind.TEXTAREA,
                    _l("Ihre Anschrift"),
                    required_message=_l("Geben Sie Ihre Anschrift an."),
                    max_length=300,
                    prefill="address",
                ),
                contact_email(),
            ),
        ),
        Step(
            "hund",
            _l("Ihr Hund"),
            (
                Field(
                    "hund_name",
                    FieldKind.TEXT,
                    _l("Name des Hundes"),
                    clerk_label=_l("Hund"),
                    required_message=_l("Geben Sie den Namen des Hundes an."),
                    max_length=60,
                ),
                Field(
                    "rasse",
                    FieldKind.TEXT,
                    _l("Rasse oder Mischling"),
                    required_message=_l("Geben Sie die Rasse an."),
                    max_length=80,
                ),
                Field(
                    "seit",
                    FieldKind.DATE,
                    _l("Seit wann halten Sie den Hund?"),
                    required_message=_l("Geben Sie an, seit wann Sie den Hund halten."),
                    date_rule=DateRule.PAST,
                ),
                Field(
                    "art",
                    FieldKind.RADIO,
                    _l("Welcher Steuersatz gilt?"),
                    clerk_label=_l("Steuersatz"),
                    choices=(
                        Choice(tax.FIRST, _l("Mein erster Hund")),
                        Choice(tax.FURTHER, _l("Ein weiterer Hund im Haushalt")),
                        Choice(tax.LISTED, _l("Ein gefährlicher Hund (Listenhund)")),
                    ),
                    required_message=_l("Wählen Sie den Steuersatz."),
                    facet="art",
                ),
            ),
        ),
        Step(
            "zahlung",
            _l("Wie zahlen Sie die Steuer?"),
            (
                Field(
                    "zahlweise",
                    FieldKind.RADIO,
                    _l("Zahlweise"),
                    choices=(
                        Choice("lastschrift", _l("Per SEPA-Lastschrift von meinem Konto")),
                        Choice("ueberweisung", _l("Selbst, online oder per Überweisung")),
                    ),
                    required_message=_l("Wählen Sie, wie Sie zahlen."),
                    facet="zahlweise",
                ),
                Field(
                    "kontoinhaber",
                    FieldKind.TEXT,
                    _l("Kontoinhaberin oder Kontoinhaber"),
                    required_message=_l("Geben Sie an, wem das Konto gehört."),
                    max_length=70,
                    when=Condition("zahlweise", ("lastschrift",)),
                ),
                Field(
                    "iban",
                    FieldKind.TEXT,
                    _l("IBAN"),
                    hint=_l("Zum Beispiel DE02 1203 0000 0000 2020 51."),
                    required_message=_l("Geben Sie die IBAN an."),
                    max_length=42,
                    autocomplete="off",
                    when=Condition("zahlweise", ("lastschrift",)),
                ),
                Field(
                    "mandat",
                    FieldKind.CONSENT,
                    _l(
                        "Ich erteile der Stadt ein SEPA-Lastschriftmandat für die Hundesteuer "
                        "(Wortlaut darüber)."
                    ),
                    hint=_l(
                        "Ich ermächtige die Stadt, die Hundesteuer von meinem Konto mittels "
                        "Lastschrift einzuziehen, und weise mein Kreditinstitut an, diese "
                        "Lastschriften einzulösen. Ich kann innerhalb von acht Wochen, beginnend "
                        "mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen."
                    ),
                    required_message=_l("Ohne Mandat ist keine Lastschrift möglich."),
                    when=Condition("zahlweise", ("lastschrift",)),
                ),
            ),
            assessed=True,
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status(
            tax.APPROVED,
            _l("Angemeldet, Steuermarke unterwegs"),
            final=True,
            inputs=(StatusInput("steuermarke", _l("Nummer der Steuermarke"), max_length=20),),
            on_enter=tax.assess_year,
        ),
        Status(
            "abgelehnt",
            _l("Abgelehnt"),
            final=True,
            negative=True,
            inputs=(StatusInput("grund", _l("Grund"), FieldKind.TEXTAREA),),
        ),
    ),
)
