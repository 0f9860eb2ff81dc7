"""``scim-harness serve``: the reference server on uvicorn, with its app and tokens ready."""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scim_harness.reference_server.admin.api import APP_NAME
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.serve_behaviour import add_behaviour_flags, behaviour_settings
from scim_harness.reference_server.settings import AppSettings
from scim_harness.reference_server.store.sqlite import SqliteStore

from scim_harness.options import env_token, port, positive, token

__all__ = ["LOG_LEVELS", "Bootstrap", "add_serve_parser", "bootstrap", "check_names", "run_serve"]

PROG = "scim-harness serve"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
_SQLITE_HEADER = b"SQLite format 3\x00"
_SERVE_TOKEN = "serve-token:"
_SERVE_ADMIN = "serve-admin-token"


@dataclass(frozen=True)
class Bootstrap:
    """What ``serve`` prints: the app, its token and the admin token."""

    app: str
    token: str
    admin_token: str


def add_serve_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the reference SCIM server",
        description="Run the reference inbound SCIM 2.0 server on uvicorn.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument(
        "--port", type=port, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    p.add_argument("--db", default="./scim-harness.db", help="SQLite file, or :memory:")
    p.add_argument("--app", default="demo", help="the app to create or reuse (default demo)")
    p.add_argument(
        "--token",
        type=token,
        default=env_token("SCIM_TOKEN"),
        help="the app's bearer token (default: $SCIM_TOKEN, else generated once and kept)",
    )
    p.add_argument(
        "--admin-token",
        type=token,
        default=env_token("SCIM_ADMIN_TOKEN"),
        help="the admin API token (default: $SCIM_ADMIN_TOKEN, else generated once and kept)",
    )
    p.add_argument("--mapping", type=Path, help="attribute-mapping JSON file for the app")
    p.add_argument(
        "--delete-on-deactivate",
        action="store_true",
        default=None,
        help="delete users the source deactivates, instead of keeping them inactive",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--lenient",
        dest="lenient",
        action="store_true",
        default=None,
        help="accept and record the non-RFC shapes real clients send (default)",
    )
    mode.add_argument(
        "--strict",
        dest="lenient",
        action="store_false",
        help="refuse every shape the RFCs do not allow",
    )
    p.add_argument("--workers", type=positive, default=1, help="worker processes (file db only)")
    p.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="warning",
        help="uvicorn's log level; info prints a line per request (default warning)",
    )
    add_behaviour_flags(p)
    p.set_defaults(func=run_serve)


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def bootstrap(
    store: SqliteStore,
    app: str,
    *,
    token: str | None = None,
    admin_token: str | None = None,
    settings: dict[str, Any] | None = None,
    mapping: dict[str, Any] | None = None,
) -> Bootstrap:
    """Create or reuse ``app`` and make sure its token and the admin token work."""
    check_names(app, token, admin_token)
    with store.transaction():
        row = store.get_app(app)
        if row is None:
            base = AppSettings().updated(settings or {})
            store.create_app(app, base.as_json(), mapping, _now())
        else:
            if settings:
                store.update_app(
                    app, settings=AppSettings.from_json(row.settings).updated(settings).as_json()
                )
            if mapping is not None:
                store.update_app(app, mapping=mapping)
        key = _SERVE_TOKEN + app
        if token is None:
            token = store.get_meta(key)
        if token is None:
            token = auth.new_token()
        if auth.app_for_token(store, token) is None:
            auth.issue_token(store, app, "serve", _now(), token)
        elif auth.app_for_token(store, token) != app:
            msg = "that --token already belongs to another app"
            raise ValueError(msg)
        store.set_meta(key, token)
        if admin_token is None:
            admin_token = store.get_meta(_SERVE_ADMIN) or auth.new_token("admin_")
        store.set_meta(_SERVE_ADMIN, admin_token)
        auth.set_admin_token(store, admin_token)
    return Bootstrap(app, token, admin_token)


def check_names(app: str, token: str | None, admin_token: str | None) -> None:
    """ValueError naming the flag when ``--app`` or the two tokens cannot be used."""
    if not APP_NAME.fullmatch(app):
        msg = f"--app must match {APP_NAME.pattern} (letters, digits, '_', '.', '-'), not {app!r}"
        raise ValueError(msg)
    if token is not None and token == admin_token:
        msg = "--token and --admin-token must differ: an app token never opens /admin"
        raise ValueError(msg)


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, or OSError naming the flag or the port that made it fail."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        msg = f"--host {host!r}: not an address of this machine ({exc.strerror})"
        raise OSError(msg) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        msg = f"cannot listen on {host} port {port} (--host/--port): {exc.strerror or exc}"
        raise OSError(msg) from None
    sock.set_inheritable(True)
    return sock


def _check_db(db: str) -> None:
    """Refuse a ``--db`` that cannot be a SQLite database before anything opens it."""
    if db == ":memory:":
        return
    path = Path(db)
    if path.is_dir():
        msg = f"--db {db}: is a folder, not a database file"
        raise ValueError(msg)
    if not path.parent.is_dir():
        msg = f"--db {db}: the folder {path.parent} does not exist"
        raise ValueError(msg)
    if path.exists():
        try:
            with path.open("rb") as handle:
                head = handle.read(len(_SQLITE_HEADER))
        except OSError as exc:
            msg = f"--db {db}: cannot be read ({exc.strerror})"
            raise ValueError(msg) from None
        if head and head != _SQLITE_HEADER:
            msg = f"--db {db}: not a SQLite database (refusing to touch it)"
            raise ValueError(msg)


def _load_mapping(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from scim_harness.reference_server.platform import mapping

    # InvalidValue naming the file and the bad row, e.g. 'users[3] (platform "email"): ...'.
    return mapping.load_mapping_file(path).data


def run_serve(args: argparse.Namespace) -> int:
    """Check every argument and bind the port first: a failed start writes nothing to ``--db``."""
    import uvicorn

    if args.workers > 1 and args.db == ":memory:":
        print(f"{PROG}: error: --workers > 1 needs a file database (--db FILE)", file=sys.stderr)
        return 2
    settings: dict[str, Any] = {}
    if args.delete_on_deactivate is not None:
        settings["deleteOnDeactivate"] = True
    if args.lenient is not None:
        settings["lenient"] = args.lenient
    settings.update(behaviour_settings(args))
    sock: socket.socket | None = None
    try:
        _check_db(args.db)
        mapping_data = _load_mapping(args.mapping)
        if mapping_data is not None:
            # The file's option sets deletion on deactivation, unless the flag says so itself.
            options = mapping_data["options"]
            settings.setdefault("deleteOnDeactivate", options["deleteOnDeactivate"])
        check_names(args.app, args.token, args.admin_token)
        sock = _bind(args.host, args.port)
        store = SqliteStore(args.db)
        boot = bootstrap(
            store,
            args.app,
            token=args.token,
            admin_token=args.admin_token,
            settings=settings,
            mapping=mapping_data,
        )
    except (OSError, ValueError, ScimError, sqlite3.Error) as exc:
        if sock is not None:
            sock.close()
        detail = exc.detail if isinstance(exc, ScimError) else str(exc)
        if isinstance(exc, sqlite3.Error):
            detail = f"--db {args.db}: {exc}"
        print(f"{PROG}: error: {detail}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"SCIM Base URL: http://{shown}:{port}/apps/{boot.app}/scim/v2")
    print(f"Bearer Token: {boot.token}")
    print(f"Admin API: http://{shown}:{port}/admin (Admin Token: {boot.admin_token})", flush=True)
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        store.close()
        # Each worker process imports reference_server.asgi, which opens this same file.
        os.environ["SCIM_HARNESS_DB"] = str(Path(args.db).resolve())
        config = uvicorn.Config(
            "scim_harness.reference_server.asgi:app", workers=args.workers, log_level=args.log_level
        )
        Multiprocess(config, sockets=[sock]).run()
        return 0
    from scim_harness.reference_server.app import create_app
    from scim_harness.reference_server.settings import ServerSettings

    app = create_app(ServerSettings(database=args.db), store=store)
    config = uvicorn.Config(app, log_level=args.log_level, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
    return 0
