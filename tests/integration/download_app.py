"""A small app for gunicorn (tests/integration/files/test_download_names.py): the portal's
``file_response`` and, to compare, the header as it was made before the fix (Werkzeug's
``filename="…"`` with the name as it is)."""

from __future__ import annotations

import io

from flask import Flask, request
from pypdf import PdfWriter
from werkzeug.wrappers import Response

from server.rendering import file_response


def _one_page_pdf() -> bytes:
    # A real PDF: uploads are parsed with pypdf, a header alone is refused.
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _one_page_pdf()


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
