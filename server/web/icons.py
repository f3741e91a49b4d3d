"""The service tiles' icons: Material Symbols (outlined) copied from npm by frontend/build.sh into
pwa/static/service-icons/, inlined into the page so that a tile needs no request of its own. The
icon is decoration (the tile's title says what it is): hidden from assistive technology, drawn in
the text's colour."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app
from lxml import etree
from markupsafe import Markup, escape

FOLDER = "service-icons"
SVG = "{http://www.w3.org/2000/svg}"


@cache
def _drawing(static_folder: str, name: str) -> tuple[str, tuple[str, ...]]:
    """The icon's viewBox and path data, read once per process."""
    path = Path(static_folder) / FOLDER / f"{name}.svg"
    root = etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False))
    paths = tuple(str(element.get("d")) for element in root.iter(f"{SVG}path"))
    return str(root.get("viewBox")), paths


def service_icon(name: str) -> Markup:
    view_box, paths = _drawing(str(current_app.static_folder), name)
    drawn = "".join(f'<path d="{escape(d)}"/>' for d in paths)
    return Markup(  # noqa: S704  # nosec B704  # escaped above; the file is ours
        f'<svg class="portal-tile__icon" aria-hidden="true" focusable="false" width="32" '
        f'height="32" viewBox="{escape(view_box)}" fill="currentColor">{drawn}</svg>'
    )
