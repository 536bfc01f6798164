"""Headers that make the browser refuse injected scripts, framing and content sniffing."""

import pytest

from clinic_app import create_app
from clinic_app.headers import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("url", ["/", "/clinics", "/login", "/api/v1/clinics", "/no-such-page"])
def test_every_response_forbids_inline_scripts_framing_and_sniffing(client, url):
    headers = client.get(url).headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_a_token_page_keeps_its_stricter_referrer_policy(client):
    response = client.get("/book/manage/not-a-real-token")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_hsts_is_sent_under_production_only(client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/").headers
    for name, value in {"SECRET_KEY": "x" * 40, "DATABASE_URL": "sqlite://", "REDIS_URL": "memory://",
                        "PUBLIC_URL": "https://clinics.example"}.items():
        monkeypatch.setenv(name, value)
    production = create_app("production", {"DATABASE_URL": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})
    response = production.test_client().get("/healthz", base_url="https://clinics.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
