"""The citizen's side of appointments: choose services and persons, a location (or any), a free
time, then name and e-mail; confirm through the mail's link; move or cancel.

Every page works without JavaScript. The choices travel in the address of GET forms; only
booking, confirming, moving and cancelling are POSTs, each behind a page with its button (mail
scanners open links, they do not press buttons).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from server import ratelimits
from server.appointments import booking as domain
from server.appointments import emergency, proof
from server.appointments.access import grant, may_see
from server.appointments.forms import DetailsForm, ServicesForm
from server.appointments.ics import ics_of
from server.appointments.models import Appointment, AppointmentStatus, Location, Service
from server.appointments.privacy import PRIVACY
from server.appointments.texts import bring_lines, service_name, service_names
from server.auth.session import current_citizen
from server.i18n import current_language
from server.privacy import notice_page
from server.rendering import file_response, render_page
from server.security import public_page

bp = Blueprint("appointments", __name__, url_prefix="/termine")

ANY = "alle"


def _per_address() -> str:
    return str(current_app.config["APPOINTMENT_BOOKING_RATE_LIMIT"])


@dataclass(frozen=True)
class Selection:
    """What the citizen chose so far (from the address or the posted form)."""

    services: list[Service]
    persons: int
    candidates: list[Location]  # the locations offering every chosen service
    location: Location | None = None  # None: any of the candidates

    @property
    def locations(self) -> list[Location]:
        return [self.location] if self.location else self.candidates

    def query(self, **extra: str) -> dict[str, object]:
        values: dict[str, object] = {
            "dienst": [s.id for s in self.services],
            "personen": str(self.persons),
            "standort": str(self.location.id) if self.location else ANY,
        }
        return {**values, **extra}


def _services_form(data: MultiDict[str, str] | None) -> ServicesForm:
    form = ServicesForm(formdata=data)
    form.dienst.choices = [(s.id, service_name(s)) for s in domain.all_services()]
    return form


def _render_start(form: ServicesForm, status: int = 200) -> ResponseReturnValue:
    services = {s.id: s for s in domain.all_services()}
    return render_page("views/appointments/start.html", form=form, services=services), status


def _chosen(data: MultiDict[str, str]) -> tuple[ServicesForm, list[Service], int] | None:
    form = _services_form(data)
    if not form.validate():
        return None
    services = domain.services_by_ids(form.dienst.data or [])
    return form, services, int(form.personen.data or 1)


def _selection(data: MultiDict[str, str]) -> Selection | None:
    """The choices of the first steps, or None when they do not hold (any more)."""
    chosen = _chosen(data)
    if chosen is None:
        return None
    _form, services, persons = chosen
    candidates = domain.locations_for(services)
    wanted = data.get("standort", ANY)
    if wanted == ANY:
        return Selection(services, persons, candidates)
    location = next((loc for loc in candidates if str(loc.id) == wanted), None)
    if location is None:
        return None
    return Selection(services, persons, candidates, location)


@bp.route("")
def start() -> ResponseReturnValue:
    """Step 1: what for, and for how many persons."""
    form = _services_form(request.args if request.args else None)
    return _render_start(form)


@bp.route("/standort")
def location() -> ResponseReturnValue:
    """Step 2: where (the locations offering every chosen service), or the earliest anywhere."""
    form = _services_form(request.args)
    if not form.validate():
        return _render_start(form, 422)
    services = domain.services_by_ids(form.dienst.data or [])
    selection = Selection(services, int(form.personen.data or 1), domain.locations_for(services))
    return render_page(
        "views/appointments/location.html",
        selection=selection,
        chosen=request.args.get("standort", ANY),
        names=service_names_of(services),
        proof_needed=not proof.has_pass(),
    )


def service_names_of(services: list[Service]) -> str:
    return ", ".join(service_name(s) for s in services)


def _not_before() -> datetime | None:
    """``ab=2026-03-20``: later times than the first page showed."""
    try:
        day = date.fromisoformat(request.args.get("ab", ""))
    except ValueError:
        return None
    from server.formatting import city_day_start

    return city_day_start(day)


@bp.route("/zeiten")
def times() -> ResponseReturnValue:
    """Step 3: the earliest days with free times (anonymous visitors: after a proof of work)."""
    selection = _selection(request.args)
    if selection is None:
        return redirect(url_for(".start"))
    if proof.needed() and (proof.PAYLOAD in request.args or not proof.has_pass()):
        failure = proof.accept(request.args.get(proof.PAYLOAD))
        if failure is proof.Failure.MISSING and proof.why_no_pass() is proof.Failure.EXPIRED:
            failure = proof.Failure.EXPIRED  # a pass used up by a booking simply asks anew
        if failure is not None:
            return _render_proof(selection, failure)
        # Accepted: the same page without the payload, which counts only once (reload, back).
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != proof.PAYLOAD]
        return redirect(f"{url_for('.times')}?{urlencode(kept)}", code=303)
    return _render_times(selection, error=None)


def _render_proof(selection: Selection, failure: proof.Failure) -> ResponseReturnValue:
    """The page asking for the proof of work, saying why the last one did not count."""
    return render_page(
        "views/appointments/proof.html",
        selection=selection,
        failure=failure,
        failures=proof.Failure,
        names=service_names_of(selection.services),
    ), 200 if failure is proof.Failure.MISSING else 422


@bp.route("/pruefung")
def challenge() -> ResponseReturnValue:
    """A fresh proof-of-work challenge for the widget (JSON)."""
    return jsonify(proof.new_challenge())


def _earliest(not_before: datetime | None = None) -> datetime | None:
    """The earliest start to offer this visitor: emergency slots only for eID logins."""
    return emergency.later(not_before, emergency.earliest())


def _render_times(selection: Selection, error: str | None) -> ResponseReturnValue:
    days = domain.offers(
        selection.locations,
        selection.services,
        selection.persons,
        not_before=_earliest(_not_before()),
    )
    later = days[-1].day.toordinal() + 1 if days else None
    return render_page(
        "views/appointments/times.html",
        selection=selection,
        days=days,
        error=error,
        later=date.fromordinal(later).isoformat() if later else None,
        names=service_names_of(selection.services),
        emergency_hours=emergency.hours() if emergency.earliest() else 0,
    ), 422 if error else 200


def _time_of(selection: Selection, value: str) -> tuple[Location, datetime] | None:
    """``<location id>@<UTC start>`` as the times page sends it."""
    location_id, _at, moment = value.partition("@")
    location = next((loc for loc in selection.locations if str(loc.id) == location_id), None)
    start = domain.moment_of(moment)
    if location is None or start is None:
        return None
    return location, start


def _details_form(data: MultiDict[str, str] | None) -> DetailsForm:
    citizen = current_citizen()
    prefill = {}
    if citizen is not None and data is None:
        prefill = {
            "name": f"{citizen.given_name} {citizen.family_name}".strip(),
            "email": citizen.email or citizen.login_email or "",
        }
    return DetailsForm(formdata=data, data=prefill)


def _render_details(
    selection: Selection,
    location: Location,
    start: datetime,
    form: DetailsForm,
    *,
    status: int = 200,
    taken: bool = False,
    short_notice: bool = False,
    over: list[Appointment] | None = None,
    list_over: bool = False,
) -> ResponseReturnValue:
    days = (
        domain.offers(
            selection.locations,
            selection.services,
            selection.persons,
            not_before=_earliest(),
        )
        if taken
        else []
    )
    return render_page(
        "views/appointments/details.html",
        selection=selection,
        location=location,
        start=start,
        chosen=f"{location.id}@{domain.moment_value(start)}",
        form=form,
        taken=taken,
        short_notice=short_notice,
        emergency_hours=emergency.hours(),
        privacy=PRIVACY,
        days=days,
        over=over,
        list_over=list_over,
        logged_in=current_citizen() is not None,
        names=service_names_of(selection.services),
        bring=[item for s in selection.services for item in _bring(s)],
    ), status


def _bring(service: Service) -> list[str]:
    from server.appointments.texts import bring_of

    return bring_of(service)


@bp.route("/angaben", methods=["GET", "POST"])
@ratelimits.limit(ratelimits.OTHER, _per_address, methods=["POST"])
def details() -> ResponseReturnValue:
    """Step 4: name and e-mail, then book (POST)."""
    data = request.form if request.method == "POST" else request.args
    selection = _selection(data)
    if selection is None:
        return redirect(url_for(".start"))
    if not proof.has_pass():
        return _render_proof(selection, proof.why_no_pass())
    chosen = _time_of(selection, data.get("zeit", ""))
    if chosen is None:
        return _render_times(selection, error=_("Wählen Sie eine Zeit."))
    location, start = chosen
    if request.method == "GET":
        return _render_details(selection, location, start, _details_form(None))
    form = _details_form(request.form)
    if not form.validate():
        return _render_details(selection, location, start, form, status=422)
    citizen = current_citizen()
    claim = proof.claim()
    if claim is None:  # a parallel booking (another tab) has the pass
        return _render_proof(selection, proof.Failure.USED)
    try:
        booked = domain.book(
            location=location,
            services=selection.services,
            persons=selection.persons,
            starts_at=start,
            name=form.name.data or "",
            email=form.email.data or "",
            citizen_id=citizen.id if citizen else None,
            language=current_language(),
            not_before=emergency.earliest(booking=True),
        )
    except domain.SlotTaken as taken:
        proof.release(claim)
        return _render_details(
            selection,
            location,
            start,
            form,
            status=409,
            taken=True,
            short_notice=isinstance(taken, domain.ShortNotice),
        )
    except domain.OverLimit as over:
        proof.release(claim)
        # Listed only if all are the logged-in citizen's own: an address typed in must not
        # show whose appointments stand under it.
        own = citizen is not None and all(b.citizen_id == citizen.id for b in over.bookings)
        return _render_details(
            selection, location, start, form, status=409, over=over.bookings, list_over=own
        )
    grant(booked.booking)
    return redirect(url_for(".booking", number=booked.booking.number), code=303)


# --- one booking -------------------------------------------------------------------------------


def _visible(number: str) -> Appointment:
    found = domain.find_by_number(number)
    if found is None or not may_see(found):
        abort(404)
    return found


@bp.route("/termin/<number>")
def booking(number: str) -> ResponseReturnValue:
    found = domain.find_by_number(number)
    if found is None or not may_see(found):
        return render_page("views/appointments/unknown_link.html", closed=False), 404
    return _render_booking(found)


def _render_booking(found: Appointment) -> ResponseReturnValue:
    return render_page(
        "views/appointments/booking.html",
        booking=found,
        status=domain.status_of(found),
        statuses=AppointmentStatus,
        names=service_names(found),
        bring=bring_lines(found),
    )


@bp.route("/termin/<number>/termin.ics")
def ics(number: str) -> ResponseReturnValue:
    found = _visible(number)
    return file_response(
        ics_of(found), mimetype="text/calendar", filename=f"termin-{found.number}.ics"
    )


@bp.route("/t/<token>")
def manage_link(token: str) -> ResponseReturnValue:
    """The link in the confirmation mail: opens the booking in this browser."""
    found = domain.find_by_manage_token(token)
    if found is None:
        return render_page("views/appointments/unknown_link.html", closed=False), 404
    grant(found)
    return redirect(url_for(".booking", number=found.number))


@bp.route("/bestaetigen/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """The link in the first mail: a page with the button; only the button (POST) confirms."""
    found = domain.find_by_confirm_token(token)
    if found is None:
        return render_page("views/appointments/unknown_link.html", closed=False), 404
    status = domain.status_of(found)
    if request.method == "POST" and status is AppointmentStatus.HELD:
        if domain.confirm(found):
            grant(found)
            flash(_("Ihr Termin ist bestätigt. Die Bestätigung mit allen Angaben ist unterwegs."))
            return redirect(url_for(".booking", number=found.number), code=303)
        status = domain.status_of(found)
    if status is AppointmentStatus.CONFIRMED:
        grant(found)
        if request.method == "POST":
            flash(_("Dieser Termin ist bereits bestätigt."))
        return redirect(url_for(".booking", number=found.number), code=303)
    if status is not AppointmentStatus.HELD:  # expired or cancelled: the time may be someone else's
        return render_page(
            "views/appointments/confirm.html",
            booking=found,
            status=status,
            statuses=AppointmentStatus,
        ), 410
    return render_page(
        "views/appointments/confirm.html",
        booking=found,
        status=status,
        statuses=AppointmentStatus,
        names=service_names(found),
    )


@bp.route("/termin/<number>/absagen", methods=["POST"])
def cancel(number: str) -> ResponseReturnValue:
    found = _visible(number)
    if domain.cancel(found):
        flash(_("Ihr Termin ist abgesagt. Die Zeit ist wieder frei."))
    else:
        flash(_("Dieser Termin ist bereits abgesagt oder nicht mehr offen."))
    return redirect(url_for(".booking", number=found.number), code=303)


@bp.route("/termin/<number>/verschieben", methods=["GET", "POST"])
def move(number: str) -> ResponseReturnValue:
    """Another time at the same location for the same services."""
    found = _visible(number)
    if domain.status_of(found) is not AppointmentStatus.CONFIRMED:
        return redirect(url_for(".booking", number=found.number))
    error = None
    if request.method == "POST":
        start = domain.moment_of(request.form.get("zeit", "").partition("@")[2])
        if start is None:
            error = _("Wählen Sie eine neue Zeit.")
        else:
            try:
                moved = domain.move(found, start, not_before=emergency.earliest(booking=True))
            except domain.ShortNotice:
                error = _(
                    "Diese Zeit ist kurzfristig und nur mit dem Online-Ausweis buchbar. Wählen "
                    "Sie bitte eine andere; Ihr bisheriger Termin gilt weiter."
                )
            except domain.SlotTaken:
                error = _(
                    "Diese Zeit ist inzwischen vergeben. Wählen Sie bitte eine andere; Ihr "
                    "bisheriger Termin gilt weiter."
                )
            else:
                flash(
                    _("Ihr Termin ist verschoben. Die neue Bestätigung ist unterwegs.")
                    if moved
                    else _("Ihr Termin liegt bereits zu dieser Zeit.")
                )
                return redirect(url_for(".booking", number=found.number), code=303)
    days = domain.offers(
        [found.location], list(found.services), found.persons, not_before=_earliest()
    )
    return render_page(
        "views/appointments/move.html",
        booking=found,
        days=days,
        error=error,
        names=service_names(found),
    ), 409 if error else 200


@bp.route("/datenschutz")
@public_page
def privacy() -> ResponseReturnValue:
    """The privacy notice of the booking (Art. 13 DSGVO), readable before anything is typed."""
    return notice_page(
        PRIVACY, _("Termin vereinbaren"), url_for(".start"), _("Zurück zur Terminbuchung")
    )
