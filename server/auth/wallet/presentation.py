"""The ``vp_token`` of an answer (OpenID4VP 1.0 §8.1): an object from credential query ids to
arrays of presentations. The portal asked for one PID in one of its formats, so exactly one of
its query ids must be there, with exactly one presentation, checked by that format's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from server.auth.wallet import mdoc, sd_jwt_vc
from server.auth.wallet.context import PresentationContext
from server.auth.wallet.dcql import MDOC, QUERY_IDS, SD_JWT_VC
from server.auth.wallet.errors import Reason, VerificationFailed
from server.auth.wallet.person import VerifiedPerson

CHECKS: dict[str, Callable[[Any, PresentationContext], VerifiedPerson]] = {
    SD_JWT_VC: sd_jwt_vc.verify_presentation,
    MDOC: mdoc.verify_presentation,
}


def _as_object(vp_token: Any) -> dict[str, Any]:
    if isinstance(vp_token, str):  # form-encoded answers carry it as a JSON string
        try:
            vp_token = json.loads(vp_token)
        except ValueError as error:
            raise VerificationFailed(Reason.MALFORMED, "vp_token is not JSON") from error
    if not isinstance(vp_token, dict):
        raise VerificationFailed(Reason.MALFORMED, "vp_token is not an object")
    return vp_token


def verify_vp_token(
    vp_token: Any, formats: tuple[str, ...], context: PresentationContext
) -> VerifiedPerson:
    entries = _as_object(vp_token)
    asked = {QUERY_IDS[format_]: format_ for format_ in formats}
    if len(entries) != 1 or next(iter(entries)) not in asked:
        raise VerificationFailed(Reason.MALFORMED, "vp_token does not answer the query")
    query_id, presentations = next(iter(entries.items()))
    if not isinstance(presentations, list) or len(presentations) != 1:
        raise VerificationFailed(Reason.MALFORMED, "not exactly one presentation")
    return CHECKS[asked[query_id]](presentations[0], context)
