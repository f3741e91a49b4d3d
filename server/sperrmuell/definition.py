"""The order of a bulky waste pickup (Sperrmüllabholung): the address (which decides the
district), the items from the list, a pickup day of the district that still has a place; a fee
for every started cubic metre above the free volume, paid before the Baubetriebshof sees the
order. The citizen may cancel until noon the day before; the place goes back and the fee too."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.formatting import euro
from server.forms.common_fields import contact_email, full_name, street_address
from server.forms.engine import (
    AssessContext,
    Assessment,
    Choice,
    CleanAnswers,
    Condition,
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
    Withdrawal,
)
from server.privacy import PrivacyNotice
from server.sperrmuell import pickup
from server.sperrmuell.rules import ITEMS, MAX_PIECES, rules

SLUG = pickup.SERVICE
PURPOSE = "bulky-waste"
CANCELLED = "storniert"

ITEM_NAMES = {
    "sofa": _l("Sofa oder Couch"),
    "sessel": _l("Sessel"),
    "schrank": _l("Schrank, zerlegt"),
    "bett": _l("Bett oder Bettgestell"),
    "matratze": _l("Matratze"),
    "tisch": _l("Tisch"),
    "stuhl": _l("Stuhl"),
    "regal": _l("Regal oder Kommode"),
    "teppich": _l("Teppich, gerollt"),
}


def cubic_metres(tenths: int) -> str:
    whole, tenth = divmod(tenths, 10)
    return f"{whole},{tenth}" if tenth else str(whole)


def _item_label(item: str) -> str:
    return _(
        "%(item)s (%(volume)s m³ je Stück)",
        item=ITEM_NAMES[item],
        volume=cubic_metres(rules().volumes[item]),
    )


# Static choices whose labels read the volumes from the city's data when shown.
ITEM_CHOICES = tuple(Choice(item, LazyString(_item_label, item)) for item in ITEMS)


def assess(answers: RawAnswers, _context: AssessContext) -> Assessment:
    """The address must lie in a district; what is put out must fit one pickup."""
    street = next(iter(answers.get("strasse", ())), "").strip()
    if not street:
        return Assessment(settled=False)
    district = pickup.district_of(answers)
    if district is None:
        return Assessment(
            refusals={
                "strasse": _(
                    "Für diese Anschrift finden wir keinen Abfuhrbezirk. Prüfen Sie Straße und "
                    "Hausnummer; liegt sie außerhalb der Stadt, holen wir dort nicht ab."
                )
            }
        )
    notes = [_("Ihre Anschrift liegt im Abfuhrbezirk %(name)s.", name=district.name)]
    if pickup.pieces(answers):
        table = rules()
        tenths = pickup.volume_tenths(answers)
        if tenths > table.max_tenths:
            return Assessment(
                refusals={
                    pickup.ITEMS_FIELD: _(
                        "Zusammen sind das etwa %(volume)s m³; in eine Abholung passen "
                        "höchstens %(most)s m³. Bestellen Sie für den Rest eine zweite Abholung.",
                        volume=cubic_metres(tenths),
                        most=cubic_metres(table.max_tenths),
                    )
                },
                notes=tuple(notes),
            )
        metres, cents = table.fee_cents(tenths)
        notes.append(
            _(
                "Zusammen etwa %(volume)s m³; %(free)s m³ sind gebührenfrei.",
                volume=cubic_metres(tenths),
                free=cubic_metres(table.free_tenths),
            )
            + " "
            + (
                _(
                    "Für %(metres)s angefangene(n) m³ darüber kostet die Abholung %(fee)s.",
                    metres=metres,
                    fee=euro(cents),
                )
                if cents
                else _("Die Abholung kostet nichts.")
            )
        )
    return Assessment(notes=tuple(notes))


def fee(answers: CleanAnswers) -> Fee:
    metres, cents = rules().fee_cents(pickup.volume_tenths(answers))
    free = cubic_metres(rules().free_tenths)
    items = [FeeItem(_("Abholung bis %(free)s m³", free=free), 0)]
    if metres:
        items.append(
            FeeItem(
                _("%(metres)s angefangene(r) m³ über %(free)s m³", metres=metres, free=free),
                cents,
                code="volume",
            )
        )
    return Fee(tuple(items))


def payer(answers: CleanAnswers) -> str:
    return str(answers.get("name", ""))


def _count(item: str) -> Field:
    return Field(
        pickup.count_field(item),
        FieldKind.SELECT,
        _l("Wie viele Stück: %(item)s?", item=ITEM_NAMES[item]),
        choices=tuple(Choice(str(n), str(n)) for n in range(1, MAX_PIECES + 1)),
        required_message=_l("Wählen Sie, wie viele Stück."),
        when=Condition(pickup.ITEMS_FIELD, (item,)),
        clerk_label=_l("Anzahl %(item)s", item=ITEM_NAMES[item]),
    )


PRIVACY = PrivacyNotice(
    controller=_l("Baubetriebshof der Stadt"),
    purposes=(
        _l(
            "Wir verarbeiten Ihre Angaben, um die Abholung zu planen, Sie bei Fragen am "
            "Abholtag zu erreichen und die Gebühr zu erheben."
        ),
    ),
    legal_basis=_l(
        "Art. 6 Abs. 1 lit. e DSGVO i. V. m. § 20 KrWG und der Abfallsatzung der Stadt "
        "(Sperrmüllabfuhr auf Abruf) sowie ihrer Gebührensatzung."
    ),
    retention=_l(
        "Wir löschen Ihre Bestellung zwei Jahre nach dem Ende des Jahres, in dem sie erledigt "
        "wurde."
    ),
    recipients=(
        _l(
            "Der Baubetriebshof und die Besatzung des Abfuhrfahrzeugs; die Stadtkasse für die "
            "Gebühr."
        ),
    ),
    obligation=_l("Ohne Ihre Angaben können wir nicht abholen."),
)

DEFINITION = FormDefinition(
    slug=SLUG,
    title=_l("Sperrmüll-Abholung"),
    summary=_l("Sperrige Möbel vor dem Haus abholen lassen: Tag wählen, bis 3 m³ gebührenfrei."),
    role=Role.PUBLIC_WORKS,
    reference_prefix="SPM",
    privacy=PRIVACY,
    email_field="email",
    keywords=(
        "sperrmüll",
        "sperrmuell",
        "abholung",
        "möbel",
        "sofa",
        "matratze",
        "müll",
        "abfall",
        "bulky waste",
        "furniture",
    ),
    icon="delete_sweep",
    needs=(
        _l("Ihre Anschrift in der Stadt"),
        _l("Was Sie herausstellen, nach Stück"),
    ),
    cost=_l(
        "Bis zur freien Menge nichts; darüber eine Gebühr je angefangenem Kubikmeter, die vor "
        "dem Bestellen dasteht."
    ),
    duration=_l("Etwa 3 Minuten. Sie wählen den Abholtag selbst."),
    next_steps=(
        _l("Stellen Sie alles am Abholtag bis 6 Uhr vor dem Haus an den Straßenrand."),
        _l("Sie können bis 12 Uhr am Vortag hier stornieren; eine Gebühr erhalten Sie zurück."),
    ),
    queue_title=_l("Sperrmüll-Abholungen"),
    list_fields=(pickup.DAY_FIELD, "strasse", "name"),
    assess=assess,
    payment=PaymentStep(
        purpose=PURPOSE, fee=fee, payer=payer, description=_l("Sperrmüll-Abholung")
    ),
    on_receive=pickup.hold,
    highlights=pickup.highlights,
    withdrawal=Withdrawal(
        status=CANCELLED,
        action=_l("Abholung stornieren"),
        question=_l(
            "Wollen Sie die Abholung wirklich stornieren? Der Tag wird wieder frei; eine "
            "bezahlte Gebühr erhalten Sie zurück."
        ),
        refused=pickup.cancel_refused,
    ),
    steps=(
        Step(
            "anschrift",
            _l("Wo sollen wir abholen?"),
            (
                full_name(),
                street_address(_l("Dort stellen Sie alles an den Straßenrand.")),
                Field(
                    "telefon",
                    FieldKind.PHONE,
                    _l("Telefon für Rückfragen am Abholtag"),
                    required=False,
                    max_length=30,
                    autocomplete="tel",
                ),
                contact_email(),
            ),
        ),
        Step(
            "gegenstaende",
            _l("Was sollen wir abholen?"),
            (
                Field(
                    pickup.ITEMS_FIELD,
                    FieldKind.CHECKBOXES,
                    _l("Gegenstände"),
                    hint=_l(
                        "Keine Elektrogeräte, keinen Bauschutt und keine Säcke: dafür gibt es "
                        "den Wertstoffhof."
                    ),
                    choices=ITEM_CHOICES,
                    required_message=_l("Wählen Sie mindestens einen Gegenstand."),
                ),
                *(_count(item) for item in ITEMS),
            ),
        ),
        Step(
            "abholtag",
            _l("Wann sollen wir abholen?"),
            (
                Field(
                    pickup.DAY_FIELD,
                    FieldKind.SELECT,
                    _l("Abholtag"),
                    hint=_l("Die freien Tage Ihres Abfuhrbezirks."),
                    choices_from=pickup.offered_days,
                    day_choices=True,
                    required_message=_l("Wählen Sie einen Abholtag."),
                    facet="abholtag",
                ),
                Field(
                    "hinweis",
                    FieldKind.TEXTAREA,
                    _l("Hinweis für die Abfuhr"),
                    hint=_l("Zum Beispiel: Hinterhof, Zufahrt über die Garagen."),
                    required=False,
                    max_length=500,
                ),
                Field(
                    "zusage",
                    FieldKind.CONSENT,
                    _l(
                        "Ich stelle alles am Abholtag bis 6 Uhr an den Straßenrand, ohne Gehweg "
                        "und Einfahrten zu versperren."
                    ),
                    required_message=_l("Bestätigen Sie, wann und wo Sie alles herausstellen."),
                ),
            ),
            assessed=True,
        ),
    ),
    statuses=(
        Status("eingegangen", _l("Eingegangen")),
        Status("eingeplant", _l("Eingeplant")),
        Status("abgeholt", _l("Abgeholt"), final=True),
        Status(
            "abgelehnt",
            _l("Abgelehnt"),
            final=True,
            negative=True,
            inputs=(StatusInput("grund", _l("Grund der Ablehnung"), FieldKind.TEXTAREA),),
            on_enter=pickup.refuse,
        ),
        Status(CANCELLED, _l("Storniert"), final=True, negative=True, on_enter=pickup.cancel),
    ),
)
