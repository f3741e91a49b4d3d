"""WSGI entry point for gunicorn: ``gunicorn 'server.wsgi:app'``."""

from server import create_app
from server.frozen_heap import freeze_startup_objects

app = create_app()
freeze_startup_objects()
