"""Helpers for the CLI, plugin and demo tests: plugin loading and two broken servers.

The broken servers wrap the reference server's ASGI app and break one rule each, so the check
meant for that rule fails and the tests can say which one.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PLUGIN_ARGS", "ignores_filters", "says_application_json"]


def _entry_point_installed() -> bool:
    return any(ep.name == "scim_harness" for ep in metadata.entry_points(group="pytest11"))


PLUGIN_ARGS: list[str] = [
    *([] if _entry_point_installed() else ["-p", "scim_harness.conformance.plugin"]),
    "-p",
    "no:asyncio",
    "--strict-markers",
    "-W",
    "error",
]
"""Arguments of a pytester run: load the plugin (``-p conformance.plugin`` in a bare
checkout; the entry point does it when installed, as under tox), leave pytest-asyncio out
(the inner runs have no coroutine tests), and be as strict as the project's own runs."""


def says_application_json(app: ASGIApp) -> ASGIApp:
    """Every ``application/scim+json`` response is labelled ``application/json`` instead."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def relabel(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type" and b"scim+json" in value:
                        value = b"application/json"
                    headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, relabel)

    return wrapped


def ignores_filters(app: ASGIApp) -> ASGIApp:
    """``filter`` query parameters are dropped before the server sees them."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            kept = [
                part
                for part in scope["query_string"].split(b"&")
                if not part.lower().startswith(b"filter=")
            ]
            scope = {**scope, "query_string": b"&".join(kept)}
        await app(scope, receive, send)

    return wrapped
