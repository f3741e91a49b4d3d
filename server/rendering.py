"""One URL serves a page or its htmx fragment; views branch here, never on element ids."""

from __future__ import annotations

from typing import Any

from flask import render_template
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from server.downloads import with_disposition
from server.extensions import htmx


def wants_fragment() -> bool:
    # A boosted request swaps the whole body, so it needs the page, not the fragment.
    return bool(htmx) and not htmx.boosted


def render_page(page: str, fragment: str | None = None, **context: Any) -> str:
    """Render ``page``, or only ``fragment`` (which the page includes) for an htmx request."""
    if fragment is not None and wants_fragment():
        return render_template(fragment, **context)
    return render_template(page, **context)


def redirect_page(location: str) -> Response:
    """Redirect; an htmx request gets ``HX-Redirect`` so the whole page changes, not a fragment."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location)


def file_response(
    content: bytes | str, *, mimetype: str, filename: str, inline: bool = False
) -> Response:
    """A file (PDF, export, upload) to open in the browser or to save; ``filename`` may be
    anything (an uploader's name): ``server.downloads`` makes the header from it."""
    return with_disposition(
        Response(content, mimetype=mimetype), filename, mimetype=mimetype, inline=inline
    )
