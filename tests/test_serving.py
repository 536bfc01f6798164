"""The real servers keep serving a freshly seeded demo site, as visitors meet it.

Issue 13: SQLAlchemy 2.1.9's compiled result module crashed the server process (SIGSEGV) after a
few ordinary requests, something the test client never shows; and on SQLite a request that read
and then wrote (the nearest search's demand point) answered 503 at once whenever another request
had committed in between. Here the development server (``flask run``, threaded) and gunicorn with
the production configuration (deploy/gunicorn.conf.py: 4 threads per worker; 2 workers) serve a
database made as an operator makes one (``flask db upgrade``, ``flask seed-demo``), on SQLite or,
in the PostgreSQL run of the suite, on PostgreSQL. It is seeded once for the module (the slow part).

gunicorn's recycling of workers after ``max_requests`` is switched off here, so that any worker
booted after the first two means one died.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from clinic_app import create_app
from tests.public_site import (
    FHIR_API,
    SECRET_LINK_MARK,
    SIGNED_IN_AREAS,
    demand_points,
    get_status,
    public_paths,
    records_demand,
)
from tests.servers import crashes, seeded_database, start_flask_run, start_gunicorn, stop, wait_until_up

ROUNDS = 20
LOAD_CLIENTS = 8
LOAD_REQUESTS_EACH = 400
WORKERS = 2
SERVER_ENV = {"RATELIMIT_ENABLED": "false", "MAIL_ENABLED": "false", "PYTHONFAULTHANDLER": "1"}
# Seeding (in the first test's set-up) and the walks take minutes on a busy CI machine.
pytestmark = pytest.mark.timeout(900)


class Site(NamedTuple):
    url: str
    server: object  # the server's process
    log: Path


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Iterator[str]:
    with seeded_database(tmp_path_factory.mktemp("site")) as url:
        yield url


@pytest.fixture(scope="module")
def production(database, tmp_path_factory) -> Iterator[Site]:
    """gunicorn as deployed (deploy/gunicorn.conf.py), 2 workers of 4 threads, logging at info
    so that every worker it boots is in the log."""
    log = tmp_path_factory.mktemp("gunicorn") / "server.log"
    with log.open("w") as stderr:
        url, server = start_gunicorn(
            {**SERVER_ENV, "DATABASE_URL": database}, "--config", "deploy/gunicorn.conf.py", "--workers", str(WORKERS),
            "--max-requests", "0", "--log-level", "info", "--access-logfile", os.devnull, stderr=stderr)
        try:
            wait_until_up(url, server)
            yield Site(url, server, log)
        finally:
            stop(server)


@pytest.fixture(scope="module")
def walk(production) -> list[str]:
    """Every public page and API GET, the nearest search once by ZIP, place and coordinates."""
    return public_paths(production.url, searches=1)


def orders(paths: list[str], rounds: int) -> Iterator[list[str]]:
    """The same paths in a different order each round: as listed, reversed, then shuffled."""
    for number in range(rounds):
        order = list(paths) if number % 2 == 0 else paths[::-1]
        if number > 1:
            random.Random(number).shuffle(order)
        yield order


def walk_rounds(site: Site, paths: list[str]) -> None:
    """``ROUNDS`` rounds over ``paths``, four requests at a time; after each round the server must
    be running and every answer a success or a redirect."""
    with ThreadPoolExecutor(4) as pool:
        for number, order in enumerate(orders(paths, ROUNDS)):
            statuses = dict(zip(order, pool.map(lambda path: get_status(site.url, path), order), strict=True))
            assert site.server.poll() is None, f"the server died in round {number}: {crashes(site.log)}"
            failed = {path: status for path, status in statuses.items() if not 200 <= status < 400}
            assert not failed, f"round {number}: {failed}"


def booted_workers(log: Path) -> int:
    return log.read_text(errors="replace").count("Booting worker")


def test_the_walk_opens_every_get_route_but_signed_in_areas_and_secret_links(walk):
    routes = create_app("testing", {"DATABASE_URL": "sqlite://"}).url_map
    walked = {routes.bind("localhost").match(path.split("?")[0])[0] for path in walk}
    missing = [rule.rule for rule in routes.iter_rules() if "GET" in rule.methods and rule.endpoint not in walked
               and SECRET_LINK_MARK not in rule.rule and not rule.rule.startswith((*SIGNED_IN_AREAS, FHIR_API))]
    assert missing == []


def test_development_server_with_threads_keeps_serving_twenty_rounds_of_every_public_page(
        database, walk, tmp_path):
    log = tmp_path / "server.log"
    with log.open("w") as stderr:
        url, server = start_flask_run({**SERVER_ENV, "DATABASE_URL": database}, "--with-threads", stderr=stderr)
        try:
            wait_until_up(url, server)
            walk_rounds(Site(url, server, log), walk)
        finally:
            stop(server)
    assert crashes(log) == []


def test_gunicorn_as_deployed_keeps_serving_twenty_rounds_of_every_public_page(production, walk):
    walk_rounds(production, walk)
    assert crashes(production.log) == []
    assert booted_workers(production.log) == WORKERS


def test_eight_clients_at_once_get_only_successes_and_every_search_is_recorded(production, database):
    """Issue 13 (2): 400 requests from each of 8 clients over every public GET, the nearest search
    by 12 ZIP codes, 6 places and 3 coordinates included, each client starting at its own place in
    the list, against gunicorn with 2 workers: no answer but a success or a redirect, and one
    demand point in the database for every search answered."""
    paths = public_paths(production.url)
    before = demand_points(database)

    def client(number: int) -> list[tuple[str, int]]:
        mine = [paths[(number * 11 + k) % len(paths)] for k in range(LOAD_REQUESTS_EACH)]
        return [(path, get_status(production.url, path)) for path in mine]

    with ThreadPoolExecutor(LOAD_CLIENTS) as pool:
        answers = [answer for answers in pool.map(client, range(LOAD_CLIENTS)) for answer in answers]

    failed = sorted({(path, status) for path, status in answers if not 200 <= status < 400})
    assert failed == []
    searches = sum(1 for path, status in answers if records_demand(path) and status == 200)
    assert searches > LOAD_CLIENTS * LOAD_REQUESTS_EACH // 3
    assert demand_points(database) - before == searches
    assert crashes(production.log) == []
    assert booted_workers(production.log) == WORKERS

