"""The Bürgerbüro's appointments in the back office (role ``appointments``): the locations, a
location's day with arrivals, waiting numbers, calls, done and no-show; closing a day; the
statistics. The public call display is ``call_display``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.appointments import office, stats
from server.appointments.models import AppointmentStatus, Location, Visit, VisitStatus
from server.appointments.texts import service_names
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.formatting import city_today, german_date
from server.rendering import render_page

bp = Blueprint("appointments_office", __name__, url_prefix="/verwaltung/termine")

ACTIONS = {
    "ankunft": office.check_in,
    "erledigt": office.finish,
    "nicht-erschienen": office.no_show,
}

BOOKING_STATUS = {
    AppointmentStatus.HELD: _l("Vorgemerkt, noch nicht bestätigt"),
    AppointmentStatus.CONFIRMED: _l("Gebucht"),
    AppointmentStatus.CANCELLED: _l("Abgesagt"),
    AppointmentStatus.EXPIRED: _l("Verfallen"),
}
VISIT_STATUS = {
    VisitStatus.WAITING: _l("Wartet"),
    VisitStatus.CALLED: _l("Aufgerufen"),
    VisitStatus.DONE: _l("Erledigt"),
    VisitStatus.NO_SHOW: _l("Nicht erschienen"),
}


def status_label(row: office.Row) -> str:
    if row.visit is not None:
        label = str(VISIT_STATUS[VisitStatus(row.visit.status)])
        if row.visit.status == VisitStatus.CALLED.value and row.visit.counter is not None:
            return f"{label} ({row.visit.counter.name})"
        return label
    return str(BOOKING_STATUS[AppointmentStatus(row.booking.status)])


def actions_for(row: office.Row, day: date) -> list[tuple[str, str]]:
    """The buttons of a row: what can be done next on that day."""
    today = city_today()
    if row.booking.status != AppointmentStatus.CONFIRMED.value or day > today:
        return []
    status = VisitStatus(row.visit.status) if row.visit is not None else None
    if status is None:
        arrive = [("ankunft", _("Angekommen"))] if day == today else []
        return [*arrive, ("nicht-erschienen", _("Nicht erschienen"))]
    if status is VisitStatus.WAITING:
        return [("aufrufen", _("Aufrufen")), ("nicht-erschienen", _("Nicht erschienen"))]
    if status is VisitStatus.CALLED:
        return [("erledigt", _("Erledigt")), ("nicht-erschienen", _("Nicht erschienen"))]
    return []


def _clerk() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return clerk.username


def _location(location_id: int) -> Location:
    found = office.get_location(location_id)
    if found is None:
        abort(404)
    return found


def _day(value: str | None) -> date:
    """``tag=2026-03-17``; today if none."""
    if not value:
        return city_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


def _counter_id(location: Location, value: str | None) -> int:
    """The clerk's counter (``schalter``), the location's first in service if none, a stranger's
    or one out of service."""
    ids = [counter.id for counter in location.counters if counter.active]
    try:
        chosen = int(value or "")
    except ValueError:
        chosen = 0
    return chosen if chosen in ids else (ids[0] if ids else 0)


@bp.route("/")
@clerk_required(Role.APPOINTMENTS)
def locations() -> ResponseReturnValue:
    return render_page(
        "views/appointments/office/locations.html",
        locations=office.all_locations(),
        today=city_today(),
    )


def _render_day(
    location: Location, day: date, *, error: str | None = None, status: int = 200
) -> ResponseReturnValue:
    counter_id = _counter_id(location, request.values.get("schalter"))
    before, after = office.days_around(day)
    return render_page(
        "views/appointments/office/day.html",
        location=location,
        day=day,
        day_text=german_date(day),
        today=city_today(),
        rows=office.day_list(location, day),
        closure=office.closure_of(location, day),
        cancelled=office.cancelled_count(location, day),
        counter_id=counter_id,
        before=before,
        after=after,
        error=error,
        status_label=status_label,
        service_names=service_names,
        actions_for=lambda row: actions_for(row, day),
    ), status


@bp.route("/<int:location_id>")
@clerk_required(Role.APPOINTMENTS)
def day(location_id: int) -> ResponseReturnValue:
    """A location's day (``tag``, today if none): its appointments and what happened."""
    return _render_day(_location(location_id), _day(request.args.get("tag")))


@bp.route("/termin/<int:booking_id>", methods=["POST"])
@clerk_required(Role.APPOINTMENTS)
def visit(booking_id: int) -> ResponseReturnValue:
    """One step of an arrival (``aktion``): ankunft, aufrufen, erledigt, nicht-erschienen."""
    booking = office.get_booking(booking_id)
    if booking is None:
        abort(404)
    location = booking.location
    day = office.day_of(booking)
    action = request.form.get("aktion", "")
    counter_id = _counter_id(location, request.form.get("schalter"))
    try:
        if action == "aufrufen":
            # The counter the clerk's page named, checked by ``call`` (a stale tab may name one
            # out of service meanwhile: refused, never silently another counter).
            posted = request.form.get("schalter", "")
            done = office.call(booking.id, int(posted) if posted.isdigit() else counter_id)
        elif action in ACTIONS:
            done = ACTIONS[action](booking.id)
        else:
            abort(400)
    except office.AlreadyDone as already:
        return _render_day(location, day, error=str(already), status=409)
    except office.OfficeError as problem:
        return _render_day(location, day, error=str(problem), status=422)
    flash(_message(action, done), "success")
    return redirect(
        url_for(".day", location_id=location.id, tag=day.isoformat(), schalter=counter_id),
        code=303,
    )


def _message(action: str, visit: Visit) -> str:
    if action == "ankunft":
        return _("Angekommen: Wartenummer %(number)s.", number=visit.waiting_number)
    if action == "aufrufen":
        return _(
            "Wartenummer %(number)s ist aufgerufen (%(counter)s).",
            number=visit.waiting_number,
            counter=visit.counter.name if visit.counter else "",
        )
    if action == "erledigt":
        return _("Erledigt.")
    return _("Als „nicht erschienen“ vermerkt.")


@bp.route("/<int:location_id>/schliessen", methods=["POST"])
@clerk_required(Role.APPOINTMENTS)
def close_day(location_id: int) -> ResponseReturnValue:
    """Close the location for the day (``tag``): its appointments are cancelled, each with a
    mail."""
    location, when = _location(location_id), _day(request.form.get("tag") or "-")
    reason = " ".join(request.form.get("grund", "").split())
    if not reason:
        return _render_day(location, when, error=_("Geben Sie einen Grund an."), status=422)
    try:
        closed = office.close_day(location.id, when, reason, clerk=_clerk())
    except office.OfficeError as problem:
        return _render_day(location, when, error=str(problem), status=422)
    if not closed.created and not closed.cancelled:
        return _render_day(
            location, when, error=_("Dieser Tag ist bereits geschlossen."), status=409
        )
    flash(
        _(
            "%(location)s ist am %(day)s geschlossen. Abgesagte Termine: %(count)s; jede "
            "Person bekommt eine Mail.",
            location=location.name,
            day=german_date(when),
            count=closed.cancelled,
        ),
        "success",
    )
    return redirect(url_for(".day", location_id=location.id, tag=when.isoformat()), code=303)


@bp.route("/statistik")
@clerk_required(Role.APPOINTMENTS)
def statistics() -> ResponseReturnValue:
    first, last, error = stats.period(request.args.get("von", ""), request.args.get("bis", ""))
    return render_page(
        "views/appointments/office/statistics.html",
        rows=stats.statistics(first, last),
        first=first,
        last=last,
        period=_("%(first)s bis %(last)s", first=german_date(first), last=german_date(last)),
        error=error,
    ), 422 if error else 200


def closure_detail(detail: str) -> str:
    """The audit entry's ``2026-03-17 3`` as ``17.03.2026, abgesagte Termine: 3``."""
    day, _sep, count = detail.partition(" ")
    try:
        shown = german_date(date.fromisoformat(day))
    except ValueError:
        return detail
    return _("%(day)s, abgesagte Termine: %(count)s", day=shown, count=count or "0")
