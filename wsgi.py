"""The WSGI entry point: ``gunicorn wsgi:app``."""

from clinic_app import create_app

app = create_app()
