"""Wires the file storage into the app: the configured ``UPLOAD_STORAGE``, chosen at start."""

from __future__ import annotations

from flask import Flask

from server.files.storage import init_storage


def init_files(app: Flask) -> None:
    init_storage(app)
