"""``scim-harness serve``: the reference server on uvicorn, with its app and tokens ready."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scim_harness.reference_server.admin.api import APP_NAME
from scim_harness.reference_server.http import auth
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.schema import format_datetime
from scim_harness.reference_server.settings import AppSettings
from scim_harness.reference_server.store.sqlite import SqliteStore

__all__ = ["Bootstrap", "add_serve_parser", "bootstrap", "run_serve"]

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
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--db", default="./scim-harness.db", help="SQLite file, or :memory:")
    p.add_argument("--app", default="demo", help="the app to create or reuse (default demo)")
    p.add_argument("--token", help="the app's bearer token (default: generated once, kept)")
    p.add_argument("--admin-token", help="the admin API token (default: generated once, kept)")
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
    p.add_argument("--workers", type=int, default=1, help="worker processes (file db only)")
    p.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
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
    if not APP_NAME.fullmatch(app):
        msg = f"--app must match {APP_NAME.pattern} (letters, digits, '_', '.', '-'), not {app!r}"
        raise ValueError(msg)
    if token is not None and token == admin_token:
        msg = "--token and --admin-token must differ: an app token never opens /admin"
        raise ValueError(msg)
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


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _load_mapping(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    from scim_harness.reference_server.platform import mapping

    # InvalidValue naming the file and the bad row, e.g. 'users[3] (platform "email"): ...'.
    return mapping.load_mapping_file(path).data


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.workers > 1 and args.db == ":memory:":
        print("error: --workers > 1 needs a file database (--db FILE)", file=sys.stderr)
        return 2
    settings: dict[str, Any] = {}
    if args.delete_on_deactivate is not None:
        settings["delete_on_deactivate"] = True
    if args.lenient is not None:
        settings["lenient"] = args.lenient
    try:
        store = SqliteStore(args.db)
        mapping_data = _load_mapping(args.mapping)
        if mapping_data is not None:
            # The file's option sets deletion on deactivation, unless the flag says so itself.
            options = mapping_data["options"]
            settings.setdefault("delete_on_deactivate", options["deleteOnDeactivate"])
        boot = bootstrap(
            store,
            args.app,
            token=args.token,
            admin_token=args.admin_token,
            settings=settings,
            mapping=mapping_data,
        )
        sock = _bind(args.host, args.port)
    except (OSError, ValueError, ScimError) as exc:
        detail = exc.detail if isinstance(exc, ScimError) else str(exc)
        print(f"error: {detail}", file=sys.stderr)
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
