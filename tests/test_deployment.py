"""The production gunicorn settings (deploy/gunicorn.conf.py) keep secret links out of the logs.

Links in e-mails carry their token in the path (/book/manage/<token>, /reset-password/<token>):
whoever reads the access log must not be able to open a patient's visit from it.
"""

from __future__ import annotations

import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

SETTINGS = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))
MANAGE_TOKEN = "q3Jx0_T9vWm2LkP8rN4sYb6Zc1Hd7Ge5Af-uEiOoKlM"  # the shape of secrets.token_urlsafe(32)
RESET_TOKEN = "eyJ1IjoxMiwiaCI6ImFiYyJ9.Zx3kLw.4mB9v0Q2rT8yU1iO7pA5sD3fG6h"  # itsdangerous: dots


def _access_line(path: str, query: str = "", referer: str = "") -> str:
    logger = SETTINGS["logger_class"](Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}" if query else path, "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": referer}
    request = SimpleNamespace(headers=[("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    return SETTINGS["access_log_format"] % logger.atoms(response, request, environ, timedelta(milliseconds=42))


def test_access_log_shows_a_manage_link_without_its_token_or_query_string():
    line = _access_line(f"/book/manage/{MANAGE_TOKEN}/cancel", query="next=/my/&t=secret",
                        referer=f"https://clinic.example.com/book/manage/{MANAGE_TOKEN}")

    assert '"GET /book/manage/[token]/cancel HTTP/1.1" 200 512 42ms' in line
    assert MANAGE_TOKEN not in line
    assert "secret" not in line


@pytest.mark.parametrize("path, logged", [
    (f"/reset-password/{RESET_TOKEN}", "/reset-password/[token]"),
    (f"/api/v1/bookings/{MANAGE_TOKEN}", "/api/v1/bookings/[token]"),
    ("/clinics/back-solution-manhattan", "/clinics/back-solution-manhattan"),
    ("/my/visits/12", "/my/visits/12"),
    ("/static/vendor/leaflet-1.9.4/leaflet.js", "/static/vendor/leaflet-1.9.4/leaflet.js"),
])
def test_only_token_length_path_segments_are_redacted(path, logged):
    assert SETTINGS["redact_path"](path) == logged

