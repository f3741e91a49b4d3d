"""The Bürgerbüro's screens to set up the offices (role ``appointments``): services, locations
with their counters, services offered, opening hours and the list of closures. Thin views over
``server.appointments.admin``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.appointments import admin
from server.appointments.admin_forms import (
    WEEKDAY_FIELDS,
    WEEKDAY_NAMES,
    ButtonForm,
    CounterForm,
    HoursForm,
    LocationForm,
    LocationServicesForm,
    ServiceForm,
    counter_form,
    spans_text,
)
from server.appointments.models import Appointment, Counter, Location, Service
from server.appointments.slots import Span
from server.appointments.texts import service_names
from server.auth.roles import Role
from server.auth.session import clerk_required, current_clerk
from server.db import as_utc
from server.formatting import city_time, german_date, german_date_time
from server.rendering import render_page

#: The prefix of the new counter's form: the location's own form on the page has a name too.
NEW_COUNTER = "schalter-neu"

bp = Blueprint("appointments_setup", __name__, url_prefix="/verwaltung/termine")


def _clerk() -> str:
    clerk = current_clerk()
    assert clerk is not None
    return clerk.username


def _service(service_id: int) -> Service:
    found = admin.get_service(service_id)
    if found is None:
        abort(404)
    return found


def _location(location_id: int) -> Location:
    from server.appointments.office import get_location

    found = get_location(location_id)
    if found is None:
        abort(404)
    return found


def _counter(counter_id: int) -> Counter:
    found = admin.get_counter(counter_id)
    if found is None:
        abort(404)
    return found


def affected_lines(bookings: list[Appointment]) -> list[tuple[str, str]]:
    """The error summary's lines for appointments a change would leave without their service,
    hours or counter: each links to its day, where the clerk can close the day (which cancels
    its appointments with a mail)."""
    lines = []
    for booking in bookings:
        start = as_utc(booking.starts_at)
        url = url_for(
            "appointments_office.day",
            location_id=booking.location_id,
            tag=city_time(start).date().isoformat(),
        )
        text = _(
            "%(number)s am %(when)s: %(name)s (%(services)s)",
            number=booking.number,
            when=german_date_time(start),
            name=booking.name,
            services=service_names(booking),
        )
        lines.append((url, text))
    return lines


@dataclass(frozen=True)
class Orphans:
    """What the page says when a change was refused for the appointments it would orphan."""

    error: str
    affected: list[tuple[str, str]]
    count: int


def _orphans(problem: admin.WouldOrphan) -> Orphans:
    return Orphans(str(problem), affected_lines(problem.bookings), len(problem.bookings))


# --- services ----------------------------------------------------------------------------------


@bp.route("/dienste")
@clerk_required(Role.APPOINTMENTS)
def services() -> ResponseReturnValue:
    return render_page(
        "views/appointments/office/services.html",
        services=admin.every_service(),
        open_count=admin.open_count,
    )


def _service_data(form: ServiceForm) -> admin.ServiceData:
    return admin.ServiceData(
        name=form.name.data or "",
        name_en=form.name_en.data or "",
        duration_minutes=int(form.minuten.data or 0),
        bring=form.mitbringen.data or "",
        bring_en=form.mitbringen_en.data or "",
        service_group=form.gruppe.data or "",
    )


def _render_service(
    form: ServiceForm, service: Service | None, status: int = 200, *, error: str | None = None
) -> ResponseReturnValue:
    return render_page(
        "views/appointments/office/service.html",
        form=form,
        error=error,
        service=service,
        open_count=admin.open_count(service) if service else 0,
    ), status


@bp.route("/dienste/neu", methods=["GET", "POST"])
@clerk_required(Role.APPOINTMENTS)
def new_service() -> ResponseReturnValue:
    form = ServiceForm()
    if not form.validate_on_submit():
        return _render_service(form, None, 422 if form.is_submitted() else 200)
    try:
        made = admin.create_service(_service_data(form), clerk=_clerk())
    except admin.SetupError as problem:
        return _render_service(form, None, 409, error=str(problem))
    flash(_("Der Dienst „%(name)s“ ist angelegt.", name=made.name), "success")
    return redirect(url_for(".services"), code=303)


@bp.route("/dienste/<int:service_id>", methods=["GET", "POST"])
@clerk_required(Role.APPOINTMENTS)
def service(service_id: int) -> ResponseReturnValue:
    found = _service(service_id)
    form = ServiceForm()
    if request.method == "GET":
        form.name.data, form.name_en.data = found.name, found.name_en
        form.minuten.data = found.duration_minutes
        form.mitbringen.data, form.mitbringen_en.data = found.bring, found.bring_en
        form.gruppe.data = found.service_group
    if not form.validate_on_submit():
        return _render_service(form, found, 422 if form.is_submitted() else 200)
    try:
        changed = admin.update_service(found.id, _service_data(form), clerk=_clerk())
    except admin.SetupError as problem:
        return _render_service(form, found, 409, error=str(problem))
    flash(_("Der Dienst „%(name)s“ ist gespeichert.", name=changed.name), "success")
    return redirect(url_for(".services"), code=303)


@bp.route("/dienste/<int:service_id>/angebot", methods=["POST"])
@clerk_required(Role.APPOINTMENTS)
def service_offered(service_id: int) -> ResponseReturnValue:
    """Offer a service again (``angeboten=1``) or no longer (``0``): never deleted, its
    appointments stand."""
    found = _service(service_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    active = request.form.get("angeboten") == "1"
    changed = admin.set_service_active(found.id, active, clerk=_clerk())
    if not changed:
        flash(_("Das war bereits so."), "info")
    elif active:
        flash(_("„%(name)s“ wird wieder angeboten.", name=found.name), "success")
    else:
        flash(
            _(
                "„%(name)s“ wird nicht mehr angeboten. Gebuchte Termine bleiben bestehen.",
                name=found.name,
            ),
            "success",
        )
    return redirect(url_for(".services"), code=303)


# --- locations ---------------------------------------------------------------------------------


@bp.route("/standorte/neu", methods=["GET", "POST"])
@clerk_required(Role.APPOINTMENTS)
def new_location() -> ResponseReturnValue:
    form = LocationForm()
    error = None
    if form.validate_on_submit():
        try:
            made = admin.create_location(
                form.name.data or "", form.adresse.data or "", clerk=_clerk()
            )
        except admin.SetupError as problem:
            error = str(problem)
        else:
            flash(
                _(
                    "Der Standort „%(name)s“ ist angelegt. Richten Sie nun Schalter, Dienste "
                    "und Öffnungszeiten ein.",
                    name=made.name,
                ),
                "success",
            )
            return redirect(url_for(".location", location_id=made.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "views/appointments/office/new_location.html", form=form, error=error
    ), status


def _services_form(location: Location, *, fresh: bool = False) -> LocationServicesForm:
    """The location's form; ``fresh``: as stored, not as another form on the page sent it."""
    form = LocationServicesForm(formdata=None) if fresh else LocationServicesForm()
    offered = {s.id for s in location.services}
    form.dienste.choices = [
        (s.id, s.name if s.active else _("%(name)s (nicht mehr angeboten)", name=s.name))
        for s in admin.every_service()
        if s.active or s.id in offered
    ]
    if fresh or request.method == "GET":
        form.name.data, form.adresse.data = location.name, location.address
        form.dienste.data = sorted(offered)
    return form


def _render_location(
    location: Location,
    form: LocationServicesForm | None = None,
    counter_form: CounterForm | None = None,
    *,
    status: int = 200,
    error: str | None = None,
    orphans: Orphans | None = None,
) -> ResponseReturnValue:
    return render_page(
        "views/appointments/office/location.html",
        location=location,
        form=form or _services_form(location, fresh=True),
        counter_form=counter_form or CounterForm(prefix=NEW_COUNTER, formdata=None),
        rename_form=lambda counter: counter_form_for(counter),
        hours=_week(location),
        closures=admin.closures_from_today(location),
        german_date=german_date,
        error=error,
        orphans=orphans,
    ), status


def counter_form_for(counter: Counter) -> CounterForm:
    """The rename form of a counter's row, showing its name as stored."""
    return CounterForm(prefix=f"schalter-{counter.id}", formdata=None, name=counter.name)


def _week(location: Location) -> list[tuple[str, str]]:
    """Each weekday's name and its spans as text (empty: closed)."""
    spans = [Span(h.weekday, h.opens, h.closes) for h in location.hours]
    return [
        (str(WEEKDAY_NAMES[day]), spans_text([s for s in spans if s.weekday == day]))
        for day in range(7)
    ]


@bp.route("/<int:location_id>/einrichtung", methods=["GET", "POST"])
@clerk_required(Role.APPOINTMENTS)
def location(location_id: int) -> ResponseReturnValue:
    """A location's set-up: name, address and services offered (this form); its counters,
    opening hours and closures (their own forms and pages)."""
    found = _location(location_id)
    form = _services_form(found)
    if not form.validate_on_submit():
        return _render_location(found, form, status=422 if form.is_submitted() else 200)
    try:
        admin.update_location(
            found.id,
            form.name.data or "",
            form.adresse.data or "",
            list(form.dienste.data or []),
            clerk=_clerk(),
        )
    except admin.WouldOrphan as problem:
        return _render_location(found, form, status=409, orphans=_orphans(problem))
    except admin.SetupError as problem:
        return _render_location(found, form, status=422, error=str(problem))
    flash(_("Der Standort ist gespeichert."), "success")
    return redirect(url_for(".location", location_id=found.id), code=303)


@bp.route("/<int:location_id>/schalter", methods=["POST"])
@clerk_required(Role.APPOINTMENTS)
def add_counter(location_id: int) -> ResponseReturnValue:
    found = _location(location_id)
    form = CounterForm(prefix=NEW_COUNTER)
    if not form.validate_on_submit():
        return _render_location(found, counter_form=form, status=422)
    try:
        admin.add_counter(found.id, form.name.data or "", clerk=_clerk())
    except admin.SetupError as problem:
        return _render_location(found, counter_form=form, status=409, error=str(problem))
    flash(_("Der Schalter „%(name)s“ ist eingerichtet.", name=form.name.data), "success")
    return redirect(url_for(".location", location_id=found.id), code=303)


@bp.route("/schalter/<int:counter_id>", methods=["POST"])
@clerk_required(Role.APPOINTMENTS)
def counter(counter_id: int) -> ResponseReturnValue:
    """Rename a counter (``aktion=umbenennen`` with ``name``), take it out of service
    (``stilllegen``) or into service again (``in-betrieb``)."""
    found = _counter(counter_id)
    location = found.location
    action = request.form.get("aktion", "")
    if action not in ("umbenennen", "stilllegen", "in-betrieb"):
        abort(400)
    form = counter_form(found.id) if action == "umbenennen" else ButtonForm()
    if not form.validate_on_submit():
        if not isinstance(form, CounterForm) or not form.name.errors:
            abort(400)  # the CSRF token
        error = f"{found.name}: {form.name.errors[0]}"
        return _render_location(location, status=422, error=error)
    try:
        if action == "umbenennen":
            assert isinstance(form, CounterForm)
            name = form.name.data or ""
            admin.rename_counter(found.id, name, clerk=_clerk())
            message = _("Der Schalter heißt nun „%(name)s“.", name=name)
        else:
            active = action == "in-betrieb"
            changed = admin.set_counter_active(found.id, active, clerk=_clerk())
            if not changed:
                message = _("Das war bereits so.")
            elif active:
                message = _("„%(name)s“ ist wieder in Betrieb.", name=found.name)
            else:
                message = _("„%(name)s“ ist außer Betrieb.", name=found.name)
    except admin.WouldOrphan as problem:
        return _render_location(location, status=409, orphans=_orphans(problem))
    except admin.SetupError as problem:
        return _render_location(location, status=409, error=f"{found.name}: {problem}")
    flash(message, "success")
    return redirect(url_for(".location", location_id=location.id), code=303)


@bp.route("/<int:location_id>/oeffnungszeiten", methods=["GET", "POST"])
@clerk_required(Role.APPOINTMENTS)
def hours(location_id: int) -> ResponseReturnValue:
    found = _location(location_id)
    form = HoursForm()
    if request.method == "GET":
        for day, (_name, text) in enumerate(_week(found)):
            form[WEEKDAY_FIELDS[day]].data = text
    orphans = None
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            admin.set_hours(found.id, form.spans(), clerk=_clerk())
        except admin.WouldOrphan as problem:
            orphans, status = _orphans(problem), 409
        else:
            flash(_("Die Öffnungszeiten sind gespeichert."), "success")
            return redirect(url_for(".location", location_id=found.id), code=303)
    return render_page(
        "views/appointments/office/hours.html", location=found, form=form, orphans=orphans
    ), status


def hours_detail(detail: str) -> str:
    """The audit entry's ``0 08:00-12:00, 0 14:00-18:00`` as ``Montag 08:00-12:00, ...``."""
    if not detail:
        return _("an keinem Tag geöffnet")
    parts = []
    for part in detail.split(", "):
        day, _sep, span = part.partition(" ")
        if not day.isdigit() or int(day) > 6:
            return detail
        parts.append(f"{WEEKDAY_NAMES[int(day)]} {span}")
    return ", ".join(parts)
