"""The web console in process: a browser-like client (cookies, forms, CSRF tokens) over
``httpx.ASGITransport``, already signed in, plus a stand-in conformance runner."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from scim_harness.reference_server.app import create_app
from scim_harness.reference_server.console.runner import AdminGrant, CheckInfo, SuiteRun
from scim_harness.reference_server.serve import Bootstrap
from scim_harness.reference_server.settings import ServerSettings
from scim_harness.reference_server.store.sqlite import SqliteStore
from starlette.applications import Starlette

__all__ = [
    "ConsoleClient",
    "Forms",
    "StubRunner",
    "console",
    "console_app",
    "csrf_of",
    "stub_runner",
]

ORIGIN = "http://testserver"


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


class Forms(HTMLParser):
    """Every form of a page: method, action, and its field names (hidden fields' values)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.handlers.extend(name for name, _ in attrs if name.startswith("on"))
        if tag == "form":
            self.forms.append(
                {"method": (attr.get("method") or "get").lower(), **attr, "fields": {}}
            )
        elif tag in ("input", "textarea", "select") and self.forms and attr.get("name"):
            self.forms[-1]["fields"][attr["name"]] = attr.get("value")
        elif tag == "script":
            self.scripts.append(attr)


class ConsoleClient:
    """A signed-in console user: GET pages, POST forms with the session's CSRF token."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.csrf = ""

    async def sign_in(self, token: str) -> httpx.Response:
        page = await self.http.get("/console/sign-in")
        response = await self.http.post(
            "/console/sign-in", data={"csrf": csrf_of(page.text), "token": token}
        )
        if response.status_code == 303:
            self.csrf = csrf_of((await self.http.get("/console/apps")).text)
        return response

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params or None)

    async def post(self, path: str, data: dict[str, Any], *, csrf: bool = True) -> httpx.Response:
        body = {"csrf": self.csrf, **data} if csrf else data
        return await self.http.post(path, data=body)


class StubRunner:
    """A conformance runner that records its calls and answers from fixed data."""

    def __init__(self) -> None:
        self.client_runs: list[int] = []
        self.server_runs: list[tuple[str, AdminGrant | None, str | None]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    def checks(self) -> list[CheckInfo]:
        return [
            CheckInfo(
                "CLI-PAT-002",
                "client",
                "MUST",
                "RFC 7644 §3.5.2",
                "ops in lower case",
                "Send op in lower case.",
            ),
            CheckInfo(
                "SRV-USR-001",
                "server",
                "MUST",
                "RFC 7644 §3.3",
                "create answers 201",
                "Answer 201.",
            ),
        ]

    def finding_checks(self) -> dict[str, str]:
        return {"LENIENT-OP-CASE": "CLI-PAT-002"}

    def run_client(self, records: list[dict[str, Any]], target: str) -> SuiteRun:
        self.client_runs.append(len(records))
        return SuiteRun(
            "client",
            True,
            f"OK - judged {len(records)} requests",
            {"passed": 1},
            [],
            "<p>client report</p>",
        )

    async def run_server(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        admin: AdminGrant | None,
        deactivation: str | None,
    ) -> SuiteRun:
        await self.gate.wait()
        reply = await http.get(f"{base_url}/Users", headers={"Authorization": f"Bearer {token}"})
        self.server_runs.append((base_url, admin, deactivation))
        problems = [
            {
                "id": "SRV-USR-001",
                "level": "MUST",
                "claim": "c",
                "message": f"got {reply.status_code}",
                "outcome": "failed",
            }
        ]
        return SuiteRun(
            "server", False, "FAILED - 1 check", {"failed": 1}, problems, "<p>server report</p>"
        )


@pytest.fixture
def stub_runner() -> StubRunner:
    return StubRunner()


@pytest.fixture
def console_app(store: SqliteStore, boot: Bootstrap, stub_runner: StubRunner) -> Starlette:
    return create_app(ServerSettings(), store=store, conformance=stub_runner)


@pytest.fixture
async def console(console_app: Starlette, boot: Bootstrap) -> AsyncIterator[ConsoleClient]:
    """A client of the console, signed in with the admin token."""
    transport = httpx.ASGITransport(app=console_app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        user = ConsoleClient(http)
        assert (await user.sign_in(boot.admin_token)).status_code == 303
        yield user
