"""Where the portal's files that are not Python live, in a checkout and in an installed package.

The project keeps the progressive web app's templates and static files (``pwa/``) and the service
worker's source (``service_worker/``) next to ``server/`` at the top of the checkout. A wheel
carries copies of both inside the package, as ``server/pwa/`` and ``server/service_worker/``
(``setup.py`` puts them there). So a package with ``pwa/`` inside it is an installed one; without
it the package is the checkout's own ``server/`` (the editable install of ``./run`` and the
tests), and the folders are read where the developers edit them.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

#: True for a package installed from a wheel (``pip install .``), False in a checkout.
INSTALLED = (PACKAGE / "pwa").is_dir()

_ROOT = PACKAGE if INSTALLED else PACKAGE.parent

TEMPLATES = _ROOT / "pwa" / "templates"
STATIC = _ROOT / "pwa" / "static"
SERVICE_WORKER = _ROOT / "service_worker" / "sw.js"
