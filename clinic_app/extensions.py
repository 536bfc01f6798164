"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from typing import TYPE_CHECKING, ClassVar

from flask import g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Double, MetaData, Table, event
from sqlalchemy.orm import DeclarativeBase, registry

from clinic_app.clock import UTCDateTime

# Named constraints keep migrations reviewable and let SQLite batch mode drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # A bare ``float`` is double precision, as the migrations create it (SQLAlchemy 2.0 maps it
    # to FLOAT unless told; 2.1 defaults to DOUBLE). Given through the registry because
    # Flask-SQLAlchemy subclasses this base, and a subclass may not declare its own map.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION), type_annotation_map={float: Double}
    )
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # each of our models maps one Table (DeclarativeBase says FromClause)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # A type checker cannot take a base class from an attribute made at run time (db.Model;
    # python/mypy#8603). To it our models derive from Base, whose declarations db.Model copies.
    Model = Base
else:
    Model = db.Model


def render_migration_type(type_, obj, autogen_context):
    """Write our UTCDateTime as a plain timezone-aware DateTime, so migrations never import
    application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_type)
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (Redis when REDIS_URL is set), so every
# process shares one count.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


class JsonApi(Api):
    """flask-smorest, with errors left to clinic_app.errors so every error has one shape."""

    @property
    def ERROR_SCHEMA(self):  # noqa: N802 - flask-smorest's name
        from clinic_app.errors import ErrorSchema

        return ErrorSchema

    def _register_error_handlers(self):
        pass


api = JsonApi()


# How long a SQLite connection waits for another's write lock before giving up (busy_timeout).
SQLITE_BUSY_TIMEOUT_SECONDS = 15
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine) -> None:
    """SQLite as a real transactional database: foreign keys on, write-ahead logging, waits
    instead of failing while another process writes, and BEGIN emitted by SQLAlchemy (the
    documented pysqlite recipe) so that a transaction can ask for IMMEDIATE: those of
    begin_serialised_transaction, and every transaction of a request that writes
    (clinic_app/write_lock.py says why)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        # Write-ahead logging: readers and the writer do not block each other.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        chosen = connection.get_execution_options().get("sqlite_begin")
        connection.exec_driver_sql("BEGIN " + (chosen or ("IMMEDIATE" if request_takes_write_lock() else "")))


def request_takes_write_lock() -> bool:
    """Whether this request's SQLite transactions take the write lock before their first read:
    a request that changes something (any method but GET, HEAD and OPTIONS), and a GET run again
    because its upgrade to a writer was refused (clinic_app.write_lock)."""
    return has_request_context() and (request.method not in READ_ONLY_METHODS or g.get("write_lock_first", False))


def begin_serialised_transaction() -> None:
    """Start a fresh transaction for a check-then-write that must not interleave with another
    process's (is this time free? then book it).

    SQLite: BEGIN IMMEDIATE takes the write lock at once, so such transactions run one at a
    time. PostgreSQL needs nothing here: its constraints refuse the loser. Call it before the
    check; anything read earlier in the request is reloaded afterwards.
    """
    if db.engine.dialect.name != "sqlite":
        return
    db.session.rollback()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
