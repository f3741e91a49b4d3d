"""The development identity provider's endpoints under ``/dev-eid``.

The protocol endpoints (token, userinfo, JWKS, discovery) answer the portal's eID client over
HTTP like any external provider would; the authorization page is where the developer plays the
citizen and picks a test person.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from server.auth.dev_idp import provider
from server.auth.dev_idp.forms import PersonForm
from server.auth.dev_idp.persons import TEST_PERSONS, find_person
from server.extensions import csrf
from server.logs import get_logger
from server.rendering import render_page

log = get_logger("auth")

bp = Blueprint("dev_eid", __name__, url_prefix=provider.PATH)


def _server() -> provider.PortalAuthorizationServer:
    server = current_app.extensions["dev_eid"]
    assert isinstance(server, provider.PortalAuthorizationServer)
    return server


@bp.route("/.well-known/openid-configuration")
def discovery() -> ResponseReturnValue:
    return jsonify(provider.metadata())


@bp.route("/jwks")
def jwks() -> ResponseReturnValue:
    return jsonify(_server().store.public_jwks())


def _refused(error: OAuth2Error) -> ResponseReturnValue:
    """Errors go back to the client only where its redirect URI was checked; else a page."""
    server = _server()
    if error.redirect_uri:
        response: Response = server.handle_error_response(None, error)
        provider.Issuer().add_issuer_parameter(server, response)
        return response
    log.warning(
        "development eID provider refused a request",
        extra={"error": error.error, "detail": error.description},
    )
    return render_page(
        "views/dev_eid/refused.html", error=error.error, description=error.description
    ), 400


def _render_choice(form: PersonForm, grant: Any, status: int = 200) -> ResponseReturnValue:
    scopes = set(grant.request.scope.split())
    return render_page(
        "views/dev_eid/authorize.html",
        form=form,
        persons=TEST_PERSONS,
        acr={person.key: provider.acr_for(person.level) for person in TEST_PERSONS},
        wants_address="address" in scopes,
    ), status


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> ResponseReturnValue:
    server = _server()
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _refused(error)
    form = PersonForm()
    if request.method == "GET":
        return _render_choice(form, grant)
    if request.form.get("action") == "cancel":
        refusal: Response = server.create_authorization_response(grant_user=None, grant=grant)
        return refusal
    if not form.validate():
        return _render_choice(form, grant, 422)
    person = find_person(form.person.data)
    log.info("development eID provider: test person logs in", extra={"person": form.person.data})
    granted: Response = server.create_authorization_response(grant_user=person, grant=grant)
    return granted


@bp.route("/token", methods=["POST"])
@csrf.exempt
def token() -> ResponseReturnValue:
    response: Response = _server().create_token_response()
    return response


@bp.route("/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo() -> ResponseReturnValue:
    response: Response = _server().create_endpoint_response("userinfo")
    return response


# RP-initiated logout accepts GET and POST (OpenID Connect RP-Initiated Logout 1.0 §2); a forged
# POST can only log out of a provider that keeps no session.
@bp.route("/logout", methods=["GET", "POST"])
@csrf.exempt
def logout() -> ResponseReturnValue:
    server = _server()
    try:
        end_session = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return render_page(
            "views/dev_eid/refused.html", error=error.error, description=error.description
        ), 400
    response: Response | None = server.create_endpoint_response("end_session", end_session)
    return response or render_page("views/dev_eid/logged_out.html")
