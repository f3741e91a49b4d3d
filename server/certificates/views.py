"""The certificates area's own pages: the ways to a certificate without the trust level that
§ 6 Abs. 3 PStV asks of an online order (``levels``), and the application on paper.

The order itself is a service of the form engine (``definition.py``); a citizen below its level
is sent here by the engine (``FormDefinition.below_level``) or linked here from the refusal on
the document question. The page is the same for everyone; the paper application carries the
logged-in citizen's name, address and date of birth.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from flask.typing import ResponseReturnValue

from server.auth import eid
from server.auth.session import current_citizen
from server.certificates import levels, order
from server.certificates.application_pdf import PaperApplication, render_application
from server.formatting import german_date
from server.rendering import file_response, render_page
from server.security import public_page, safe_redirect_target

bp = Blueprint("certificates", __name__, url_prefix="/urkunden")


def office_lines() -> tuple[str, ...]:
    """The registry office's name and postal address lines, as the paper application prints."""
    config = current_app.config
    return (
        f"Stadt {config['PORTAL_CITY_NAME']} – Standesamt",
        *[part.strip() for part in str(config["CERTIFICATE_OFFICE_ADDRESS"]).split(",")],
    )


def _back_to_order() -> str:
    """Where the eID login returns to: the order page the citizen came from, else its start."""
    start = url_for("forms.start", service=order.SLUG)
    target = safe_redirect_target(request.args.get("next"))
    return target if target is not None and target.startswith(start) else start


@bp.route("/ohne-online-ausweis")
@public_page
def without_eid() -> ResponseReturnValue:
    """Why the online order needs the eID, how to log in with it, and the ways without it: the
    application on paper and an appointment at the registry office."""
    return render_page(
        "views/certificates/without_eid.html",
        eid_enabled=eid.enabled(),
        eid_login=url_for("auth.eid_login", next=_back_to_order()),
        lowered=order.orderable_labels(levels.LOWERED_LEVEL),
        legal_basis=levels.LEGAL_BASIS,
        office=office_lines(),
    )


@bp.route("/antrag.pdf")
def paper_application() -> ResponseReturnValue:
    """The application to print, sign and post; pre-filled for a logged-in citizen."""
    citizen = current_citizen()
    sender: tuple[str, ...] = ()
    born = ""
    if citizen is not None:
        name = f"{citizen.given_name or ''} {citizen.family_name or ''}".strip()
        place = f"{citizen.postal_code or ''} {citizen.locality or ''}".strip()
        if name:
            sender = tuple(line for line in (name, citizen.street or "", place) if line)
        born = german_date(citizen.birthdate) if citizen.birthdate else ""
    return file_response(
        render_application(
            PaperApplication(
                office_lines=office_lines(), sender_lines=sender, applicant_birthdate=born
            )
        ),
        mimetype="application/pdf",
        filename="urkundenantrag.pdf",
        inline=True,
    )
