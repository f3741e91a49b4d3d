"""The wallet's answer, posted to the verifier's response URI (OpenID4VP 1.0 §8.2, §8.3):
the ``vp_token`` as DCQL wants it (``{"<credential query id>": ["<presentation>"]}``) with the
``state``, or ``error=access_denied`` when the person refuses. With ``direct_post.jwt`` the
parameters travel as one JWE (``response``), encrypted with ECDH-ES to the key the request's
``client_metadata`` names, with its ``kid``, and the content encryption the request offers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from jwcrypto import jwe, jwk

from server.auth.dev_idp.persons import TestPerson
from server.auth.dev_wallet.authorization_request import (
    TIMEOUT_SECONDS,
    AuthorizationRequest,
    CredentialQuery,
    same_origin,
)
from server.auth.dev_wallet.mdoc import mdoc_presentation
from server.auth.dev_wallet.pid import sd_jwt_presentation
from server.auth.dev_wallet.pki import Issuer
from server.auth.wallet.dcql import SD_JWT_VC

KEY_ALGORITHM = "ECDH-ES"


class AnswerNotDelivered(Exception):
    """The response URI could not be reached."""


@dataclass(frozen=True)
class Delivered:
    """What the response URI said: accepted or not, and where to send the browser on."""

    accepted: bool
    status: int
    redirect_uri: str | None


def encrypt(parameters: dict[str, Any], key: dict[str, Any], enc: str) -> str:
    header: dict[str, Any] = {"alg": KEY_ALGORITHM, "enc": enc}
    if isinstance(key.get("kid"), str):
        header["kid"] = key["kid"]
    token = jwe.JWE(
        json.dumps(parameters, ensure_ascii=False).encode("utf-8"), protected=json.dumps(header)
    )
    token.add_recipient(jwk.JWK(**key))
    return str(token.serialize(compact=True))


def form_parameters(request: AuthorizationRequest, parameters: dict[str, Any]) -> dict[str, str]:
    """The form the wallet posts: the encrypted ``response``, or each parameter in the clear
    (objects as JSON)."""
    if request.state is not None:
        parameters = {**parameters, "state": request.state}
    if request.encrypted:
        assert request.encryption_key is not None
        return {"response": encrypt(parameters, request.encryption_key, request.enc)}
    return {
        name: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for name, value in parameters.items()
    }


def vp_token(query_id: str, presentation: str) -> dict[str, list[str]]:
    return {query_id: [presentation]}


def post(request: AuthorizationRequest, parameters: dict[str, Any], base_url: str) -> Delivered:
    try:
        response = requests.post(
            request.response_uri,
            data=form_parameters(request, parameters),
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        raise AnswerNotDelivered(type(error).__name__) from error
    redirect_uri: str | None = None
    if response.status_code == 200:
        try:
            body = response.json()
        except ValueError:
            body = {}
        found = body.get("redirect_uri") if isinstance(body, dict) else None
        # This wallet sends the browser only back to its own portal.
        if isinstance(found, str) and same_origin(found, base_url):
            redirect_uri = found
    return Delivered(
        accepted=response.status_code == 200,
        status=response.status_code,
        redirect_uri=redirect_uri,
    )


def share(
    request: AuthorizationRequest,
    query: CredentialQuery,
    person: TestPerson,
    issuer: Issuer,
    base_url: str,
) -> Delivered:
    """Present the person's PID for ``query`` (the format the person chose)."""
    if query.format == SD_JWT_VC:
        assert query.vct is not None
        presentation = sd_jwt_presentation(
            person,
            issuer,
            query.vct,
            query.paths,
            nonce=request.nonce,
            audience=request.client_id,
        )
    else:
        presentation = mdoc_presentation(
            person,
            issuer,
            query.paths,
            client_id=request.client_id,
            nonce=request.nonce,
            response_uri=request.response_uri,
            encryption_key=request.encryption_key if request.encrypted else None,
        )
    return post(request, {"vp_token": vp_token(query.id, presentation)}, base_url)


def refuse(request: AuthorizationRequest, base_url: str) -> Delivered:
    """The person said no (OpenID4VP 1.0 §8.5)."""
    return post(
        request,
        {"error": "access_denied", "error_description": "the person refused"},
        base_url,
    )
