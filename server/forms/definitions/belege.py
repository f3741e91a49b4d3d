"""Belege nachreichen: sending receipts or certificates for a procedure that is already open,
named by its reference number (*Aktenzeichen* or *Eingangsnummer*). The citizens' office
(*Bürgerbüro*) files them with the procedure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.forms.engine import Field, FieldKind, FormDefinition, Status, Step
from server.privacy import PrivacyNotice

PRIVACY = PrivacyNotice(
    controller=_l("Bürgerbüro"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben und Belege, um sie dem laufenden Vorgang zuzuordnen und "
            "dem zuständigen Amt vorzulegen."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. §§ 24, 26 VwVfG und den Vorschriften, nach denen "
        "Ihr Vorgang bearbeitet wird; enthalten Belege Gesundheitsdaten, zusätzlich Art. 9 Abs. 2 "
        "lit. g DSGVO."
    ),
    retention=_l(
        "Die Belege werden Teil der Akte Ihres Vorgangs und so lange aufbewahrt, wie es die "
        "Aufbewahrungsfristen für diesen Vorgang vorsehen."
    ),
    recipients=(_l("Das Amt der Stadtverwaltung, das Ihren Vorgang bearbeitet."),),
    obligation=_l(
        "Ob Sie Belege einreichen müssen, richtet sich nach Ihrem Vorgang; fehlen sie, kann das "
        "Amt nur nach Aktenlage entscheiden."
    ),
)

DEFINITION = FormDefinition(
    slug="belege-nachreichen",
    title=_l("Belege nachreichen"),
    summary=_l("Quittungen, Bescheinigungen oder Fotos zu einem laufenden Vorgang einreichen."),
    role=Role.CITIZEN_OFFICE,
    reference_prefix="BEL",
    privacy=PRIVACY,
    email_field="email",
    keywords=(
        "belege",
        "nachreichen",
        "quittung",
        "bescheinigung",
        "nachweis",
        "unterlagen",
        "receipts",
        "documents",
        "evidence",
    ),
    icon="upload_file",
    needs=(
        _l("Das Aktenzeichen oder die Eingangsnummer Ihres Vorgangs"),
        _l("Die Belege als Foto oder PDF"),
    ),
    cost=_l("Kostenlos."),
    duration=_l("Etwa 3 Minuten. Die Belege liegen dem Amt noch am selben Arbeitstag vor."),
    next_steps=(
        _l("Das Bürgerbüro ordnet Ihre Belege dem Vorgang zu."),
        _l("Den Stand sehen Sie jederzeit mit Ihrer Eingangsnummer und dem Abrufcode."),
    ),
    queue_title=_l("Nachgereichte Belege"),
    list_fields=("aktenzeichen", "name"),
    steps=(
        Step(
            "vorgang",
            _l("Ihr Vorgang"),
            (
                Field(
                    "aktenzeichen",
                    FieldKind.TEXT,
                    _l("Aktenzeichen oder Eingangsnummer"),
                    clerk_label=_l("Aktenzeichen"),
                    hint=_l("Steht oben auf unserem Schreiben, zum Beispiel KITA-2026-000123."),
                    required_message=_l("Geben Sie das Aktenzeichen oder die Eingangsnummer an."),
                    max_length=40,
                    pattern=(
                        r"[A-Za-z0-9][A-Za-z0-9 ./-]{2,39}",
                        _l("Ein Aktenzeichen besteht aus Buchstaben, Ziffern und Bindestrichen."),
                    ),
                    facet="aktenzeichen",
                ),
                Field(
                    "worum",
                    FieldKind.TEXTAREA,
                    _l("Was reichen Sie nach? (freiwillig)"),
                    required=False,
                    max_length=1000,
                ),
            ),
        ),
        Step(
            "belege",
            _l("Ihre Belege"),
            (
                Field(
                    "belege",
                    FieldKind.FILES,
                    _l("Belege"),
                    hint=_l("Fotos (JPEG, PNG, WebP) oder PDF, bis zu 10 Dateien."),
                    required_message=_l("Laden Sie mindestens einen Beleg hoch."),
                    max_files=10,
                ),
            ),
        ),
        Step(
            "person",
            _l("Ihre Angaben"),
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
                    "email",
                    FieldKind.EMAIL,
                    _l("E-Mail-Adresse für Rückfragen (freiwillig)"),
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
        Status("zugeordnet", _l("Dem Vorgang zugeordnet"), final=True),
        Status("unklar", _l("Vorgang nicht gefunden – wir melden uns"), final=False),
    ),
)
