"""A small app for gunicorn (tests/integration/test_download_names.py): the portal's
``file_response`` and, to compare, the header as it was made before the fix (Werkzeug's
``filename="…"`` with the name as it is)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response

from server.rendering import file_response

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def create() -> Flask:
    app = Flask(__name__)

    @app.get("/portal")
    def portal() -> Response:
        return file_response(PDF, mimetype="application/pdf", filename=request.args["name"])

    @app.get("/raw")
    def raw() -> Response:
        response = Response(PDF, mimetype="application/pdf")
        response.headers.set("Content-Disposition", "attachment", filename=request.args["name"])
        return response

    return app
