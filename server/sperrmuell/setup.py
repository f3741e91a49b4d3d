"""Wires the bulky waste pickup into the app: the rules read once at start (a wrong file refuses
the start), the order on the engine, the depot's pickup days with their places (a queue on
the work overview counts tomorrow's pickups), the job that cancels orders left unpaid and the
one that reminds of tomorrow's pickups."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from server.auth.roles import Role
from server.backoffice.queues import Queue, register_queue
from server.config import ConfigurationError
from server.forms.registry import register_definition
from server.jobs.catalogue import Job, register_job
from server.sperrmuell import pickup, reminders, rules
from server.sperrmuell.definition import DEFINITION
from server.sperrmuell.views import bp


def init_sperrmuell(app: Flask) -> None:
    try:
        app.config[rules.CONFIG_KEY] = rules.load(str(app.config.get("SPERRMUELL_FILE") or ""))
    except ValueError as error:
        raise ConfigurationError(f"SPERRMUELL_FILE: {error}") from error
    register_definition(DEFINITION)
    app.register_blueprint(bp)
    register_queue(
        Queue(
            "sperrmuell-days",
            _l("Sperrmüll: Abholungen morgen"),
            Role.PUBLIC_WORKS,
            pickup.pickups_tomorrow,
            "sperrmuell_office.days",
        )
    )
    register_job(
        Job(
            "sperrmuell-unpaid",
            _l("Unbezahlte Sperrmüll-Abholungen stornieren"),
            "5 * * * *",
            _l("stündlich"),
            _end_unpaid,
            counts=(("cancelled", _l("storniert")),),
        )
    )
    register_job(
        Job(
            "sperrmuell-remind",
            _l("An Sperrmüll-Abholungen von morgen erinnern"),
            "0 15 * * *",
            _l("täglich am Nachmittag"),
            _remind,
            counts=(("queued", _l("verschickt")),),
        )
    )


def _remind() -> dict[str, int]:
    return {"queued": reminders.send_reminders()}


def _end_unpaid() -> dict[str, int]:
    return pickup.end_unpaid()
