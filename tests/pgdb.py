"""Create or drop a throwaway PostgreSQL database: python -m tests.pgdb create|drop ADMIN_URL NAME."""

import re
import sys

import psycopg


def main(action: str, admin_url: str, name: str) -> None:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"refusing odd database name {name!r}")
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            if action == "create":
                conn.execute(f"CREATE DATABASE {name}")
            else:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except psycopg.OperationalError as error:
        raise SystemExit(f"PostgreSQL is not reachable at {admin_url}: {error}") from None
    print(f"{action} database {name}: done")


if __name__ == "__main__":
    main(*sys.argv[1:4])
