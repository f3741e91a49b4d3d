"""Versioned static URLs and the service worker's precache list.

Every static URL carries the hash of the file's content (``?v=``), so browsers and the service
worker may cache it forever; the service worker's version is the hash of everything it precaches.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import cast

from flask import Flask, Response, current_app, has_request_context, request, url_for

from server.extensions import compress

# The drafts code: drafts.js and the ES modules it imports by relative name ("./drafts-form.js").
DRAFT_MODULES = "js/drafts-*.js"
# Any module under js/ may import another: the page's import map (import_map) sends such an
# import to the file's versioned URL, cached like every static file and precached if listed here.
IMPORTABLE_MODULES = "js/*.js"

# The app shell: what the service worker stores on install so that the portal opens offline.
# Every page loads the drafts scripts' loader, which loads them where there is work for them;
# the worker imports the two classic ones itself.
APP_SHELL_PATTERNS = (
    "css/portal.css",
    "js/app.js",
    "js/copy.js",
    "js/error-summary.js",
    "js/geolocate.js",
    "js/draft-loader.js",
    "js/drafts.js",
    DRAFT_MODULES,
    "js/draft-store.js",
    "vendor/htmx.min.js",
    "vendor/idb-keyval.js",
    "fonts/*.woff2",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-192.png",
    "icons/icon-maskable-512.png",
    "icons/favicon.svg",
)


@cache
def _file_hash(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class _Cache:
    """What the static files' URLs cost, paid once per process (issue 17: eleven ``resolve()``
    calls and a glob per page were a third of the start page's time). Files change with a
    release, which restarts the process; under ``FLASK_DEBUG`` they change under the developer's
    hands, so there nothing is kept but the hash of a file whose mtime is unchanged."""

    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}
        self.matches: dict[str, list[str]] = {}
        # By the request's script root: the same path is another URL behind a prefix.
        self.urls: dict[tuple[str, str], str] = {}
        self.import_maps: dict[str, dict[str, dict[str, str]]] = {}


def _cache() -> _Cache | None:
    """The app's cache, or None under ``FLASK_DEBUG``."""
    app = current_app
    if app.debug:
        return None
    return cast(_Cache, app.extensions["portal_assets"])


def _script_root() -> str | None:
    """The key of a URL built now: None outside a request (url_for builds external URLs then)."""
    return request.script_root if has_request_context() else None


def static_hash(filename: str) -> str:
    cache = _cache()
    if cache is not None and filename in cache.hashes:
        return cache.hashes[filename]
    static_folder = Path(current_app.static_folder or "")
    path = (static_folder / filename).resolve()
    if static_folder.resolve() not in path.parents or not path.is_file():
        raise FileNotFoundError(filename)
    digest = _file_hash(path, path.stat().st_mtime_ns)
    if cache is not None:
        cache.hashes[filename] = digest
    return digest


def hash_static_files() -> int:
    """Hash every static file now rather than on the first page naming it (``static_hash``):
    a server does so before forking its workers (``server.warm_start``). How many."""
    static_folder = Path(current_app.static_folder or "")
    names = [
        path.relative_to(static_folder).as_posix()
        for path in sorted(static_folder.rglob("*"))
        if path.is_file()
    ]
    for name in names:
        static_hash(name)
    return len(names)


# Classic scripts the service worker runs itself (importScripts), in this order.
SERVICE_WORKER_SCRIPTS = ("vendor/idb-keyval.js", "js/draft-store.js")

# The stylesheet asks for these by plain relative URL (``url(../fonts/...)``), so that is the URL
# to preload and precache; the service worker's version still changes with their content.
CSS_REFERENCED_PREFIXES = ("fonts/",)


def asset_url(filename: str) -> str:
    cache = _cache()
    root = _script_root()
    if cache is not None and root is not None and (root, filename) in cache.urls:
        return cache.urls[root, filename]
    if filename.startswith(CSS_REFERENCED_PREFIXES):
        static_hash(filename)  # fails loudly for a missing file, like versioned ones
        url = url_for("static", filename=filename)
    else:
        url = url_for("static", filename=filename, v=static_hash(filename))
    if cache is not None and root is not None:
        cache.urls[root, filename] = url
    return url


def static_files(pattern: str) -> list[str]:
    """The static files matching ``pattern``, sorted; a pattern that matches none fails."""
    cache = _cache()
    if cache is not None and pattern in cache.matches:
        return list(cache.matches[pattern])
    static_folder = Path(current_app.static_folder or "")
    matches = sorted(static_folder.glob(pattern))
    if not matches:
        raise FileNotFoundError(f"no static file matches {pattern}")
    found = [match.relative_to(static_folder).as_posix() for match in matches]
    if cache is not None:
        cache.matches[pattern] = found
    return list(found)


def app_shell_files() -> list[str]:
    return [filename for pattern in APP_SHELL_PATTERNS for filename in static_files(pattern)]


def draft_modules() -> list[str]:
    """The versioned URLs of drafts.js and the modules it imports, for js/draft-loader.js to
    preload all at once on a page that needs the drafts code (``data-modules``)."""
    return [asset_url(filename) for filename in ["js/drafts.js", *static_files(DRAFT_MODULES)]]


def import_map() -> dict[str, dict[str, str]]:
    """The page's import map: ``import ... from "./drafts-form.js"`` resolves to the plain URL,
    which this maps to the versioned one, so that imported modules are cached and precached like
    the scripts the page names itself (and a new release never mixes old and new modules)."""
    cache = _cache()
    root = _script_root()
    if cache is not None and root is not None and root in cache.import_maps:
        return cache.import_maps[root]
    imports = {
        url_for("static", filename=filename): asset_url(filename)
        for filename in static_files(IMPORTABLE_MODULES)
    }
    made = {"imports": imports}
    if cache is not None and root is not None:
        cache.import_maps[root] = made
    return made


def _close_the_file_under_compression(response: Response) -> Response:
    """Flask-Compress compresses a streamed file (a static file) through a generator of its
    own and never closes the file underneath; the response closes it instead. Runs before the
    compression (registered after it), while ``response.response`` is still the file."""
    if response.is_streamed:
        close = getattr(response.response, "close", None)
        if callable(close):
            response.call_on_close(close)
    return response


def init_compression(app: Flask) -> None:
    """Flask-Compress for the types it may compress (``COMPRESS_MIMETYPES``: static text, never
    HTML), hooked in by the portal instead of the extension (``COMPRESS_REGISTER`` is off): the
    extension's own hook read the Vary and Accept-Encoding headers and the type of every page
    only to leave it as it was, about 2 % of a start page (issue 17). Call it right after
    ``compress.init_app``: hooks run in the reverse order of their registration, and
    ``init_assets`` closes a file before the compression."""
    compressible = frozenset(app.config["COMPRESS_MIMETYPES"])

    def compress_static_text(response: Response) -> Response:
        if response.mimetype in compressible:
            return compress.after_request(response)
        return response

    app.after_request(compress_static_text)


def init_assets(app: Flask) -> None:
    app.extensions["portal_assets"] = _Cache()
    app.after_request(_close_the_file_under_compression)
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.globals["draft_modules"] = draft_modules
    app.jinja_env.globals["import_map"] = import_map
