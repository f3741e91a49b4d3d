"""Which proxies the portal believes about the client's address (``TRUSTED_PROXIES``).

Behind a TLS-terminating proxy every request comes from the proxy's address; rate limits,
logs and the audit log need the citizen's. Werkzeug's ProxyFix reads ``X-Forwarded-For`` and
``X-Forwarded-Proto``, but only as far as the configured proxies added them: anything further
left was written by the client and is ignored.

``TRUSTED_PROXIES`` is empty (the default: no proxy, the headers are ignored), a count of proxies
in front of the portal (``1`` for one nginx), or a comma-separated list of addresses and networks
(``127.0.0.1, 10.0.0.0/8``): then the headers are read only when the request comes from one of
them, and every further hop that is also one of them is looked through. The forwarded host is
never believed: links in mails are built from ``PORTAL_BASE_URL``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    count: int = 0
    networks: tuple[Network, ...] = ()

    @property
    def none(self) -> bool:
        return self.count == 0 and not self.networks


def parse_trusted_proxies(value: str) -> TrustedProxies:
    """``""``, a count, or addresses/networks; ``ValueError`` with a readable reason."""
    text = value.strip()
    if not text or text.lower() == "none":
        return TrustedProxies()
    if text.isdigit():
        return TrustedProxies(count=int(text))
    networks = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"{part!r} is neither a count of proxies nor an address or network"
            ) from None
    return TrustedProxies(networks=tuple(networks))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: Iterable[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


class _TrustedNetworks:
    """ProxyFix with as many hops as the request came through trusted proxies."""

    def __init__(self, app: WSGIApplication, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks
        self._fixers: dict[int, ProxyFix] = {}

    def _hops(self, environ: WSGIEnvironment) -> int:
        if not _trusted(environ.get("REMOTE_ADDR", ""), self.networks):
            return 0
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "").split(",")
        hops = 1
        # The rightmost entry is what our proxy saw; if that is a trusted proxy too, the entry
        # before it was written by that proxy, and so on.
        for entry in reversed(forwarded[1:]):
            if not _trusted(entry, self.networks):
                break
            hops += 1
        return hops

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        hops = self._hops(environ)
        if hops == 0:
            return self.app(environ, start_response)
        fixer = self._fixers.get(hops)
        if fixer is None:
            fixer = self._fixers[hops] = ProxyFix(self.app, x_for=hops, x_proto=1)
        return fixer(environ, start_response)


def behind_proxies(app: WSGIApplication, trusted: TrustedProxies) -> WSGIApplication:
    if trusted.count:
        return ProxyFix(app, x_for=trusted.count, x_proto=1)
    if trusted.networks:
        return _TrustedNetworks(app, trusted.networks)
    return app
