"""With REDIS_URL set, sign-in failures are counted in Redis, where every process sees them."""

import os
import uuid

import pytest
import redis

from clinic_app import create_app
from clinic_app.extensions import db
from tests.conftest import FormClient, RequestIsolatedClient, database_url
from tests.factories import make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_available() and os.environ.get("CI") != "true",
    reason=f"Redis not reachable at {REDIS_URL}: shared rate-limit test skipped",
)


def _instance(tmp_path):
    """Another instance of the application, as a second gunicorn process would build it."""
    app = create_app("testing", {"DATABASE_URL": database_url(tmp_path), "REDIS_URL": REDIS_URL})
    app.test_client_class = RequestIsolatedClient
    return app


def test_failures_counted_by_one_instance_block_sign_in_through_another(app, tmp_path):
    email = f"target-{uuid.uuid4().hex}@example.com"
    make_user(email=email)
    store = redis.Redis.from_url(REDIS_URL)
    first = _instance(tmp_path)
    try:
        with first.app_context():
            client = FormClient(first.test_client())
            for _ in range(5):
                assert client.login(email, "wrong password guess").status_code == 200
        assert list(store.scan_iter(f"*{email}*")), "the failure count should live in Redis"

        second = _instance(tmp_path)  # a fresh process: its own memory knows nothing
        with second.app_context():
            assert FormClient(second.test_client()).login(email).status_code == 429
    finally:
        for key in store.scan_iter(f"*{email}*"):
            store.delete(key)
        with first.app_context():
            db.engine.dispose()
