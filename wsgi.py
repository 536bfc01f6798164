"""The WSGI entry point: ``gunicorn wsgi:app``."""

from clinic_app import create_app
from clinic_app.geo.geocoding import warm_up

app = create_app()
# Load the ZIP and city indexes before the first request rather than during it (gunicorn
# imports this module in each worker, or once with --preload).
warm_up()
