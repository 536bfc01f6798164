"""gunicorn settings for production: ``gunicorn --config deploy/gunicorn.conf.py``.

Every process is stateless (PostgreSQL holds the data, Redis the rate-limit counts, the signed
session cookie the session), so workers, threads and whole servers can be added freely. Each
value can be changed through the environment (see deploy/env.example); a command-line flag wins
over this file.

The access log never carries a query string or a secret token: links in e-mails put tokens
in the path (/book/manage/<token>, /reset-password/<token>), and whoever reads a log must not be
able to open a patient's visit from it.
"""

from __future__ import annotations

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # nginx on the same host proxies here

# The usual rule for workers, (2 x cores) + 1; WEB_CONCURRENCY overrides it. Each worker has
# a database pool (5 connections + 10 overflow): mind PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads let one worker overlap requests that wait on the database or Redis.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A worker silent this long is killed and replaced; graceful_timeout is how long SIGTERM
# lets requests in flight finish; keepalive is below nginx's upstream keepalive_timeout.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then, so a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files in memory: a busy disk must not get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn's advice

# Only nginx (on this host) may say the request came over HTTPS. The application itself
# reads X-Forwarded-For/-Proto through PROXY_COUNT (config.py).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No runtime control socket (gunicorn 27): systemd sends the signals (HUP reloads, TERM stops),
# and two instances on one host would otherwise fight over one socket path.
control_socket_disable = True

loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Path only (%(U)s, tokens redacted below), never %(r)s or %(q)s; no referer, which would
# carry the previous page's address, tokens and all.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# A path segment of 32 or more URL-safe characters is a secret token (manage links are 43
# characters, signed reset and confirmation links longer); slugs and ids are shorter.
TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_.~-]{32,}(?=/|$)")


def redact_path(path: str) -> str:
    """The request path with every token-length segment replaced by [token]."""
    return TOKEN_SEGMENT.sub("[token]", path or "")


class TokenRedactingLogger(Logger):
    """gunicorn's logger, with the atoms that could hold a token redacted or blanked, so a
    changed access_log_format cannot bring them back by accident."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(atoms["U"])
        atoms.update(U=path, q="", f="-", r=f"{atoms['m']} {path} {atoms['H']}")
        for header in ("{referer}i", "{cookie}i", "{authorization}i"):
            atoms[header] = "-"
        return atoms


logger_class = TokenRedactingLogger
