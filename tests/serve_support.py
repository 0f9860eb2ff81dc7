"""``scim-harness serve`` as a subprocess: started on a free port, read, stopped by Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

__all__ = ["SERVE", "Served", "refused", "serving"]

SERVE = [sys.executable, "-m", "scim_harness", "serve"]
"""The command as ``python -m scim_harness`` runs it (which is also what that entry proves)."""


@dataclass
class Served:
    """What ``serve`` printed: the SCIM base URL, the app token and the admin API."""

    base: str
    token: str
    admin: str
    admin_token: str
    process: subprocess.Popen[str]
    console: str = ""
    """The web console's URL (``.../console``)."""

    @property
    def root(self) -> str:
        return self.admin.removesuffix("/admin")


def refused(*args: str) -> subprocess.CompletedProcess[str]:
    """``serve`` with arguments that must stop it before it serves (on a free port and an
    in-memory database unless ``args`` say otherwise: a later flag wins)."""
    command = [*SERVE, "--port", "0", "--db", ":memory:", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@contextmanager
def serving(*args: str, port: str = "0", db: str = ":memory:") -> Iterator[Served]:
    """A running ``serve --port 0 --db :memory:`` (or as given), stopped with SIGINT after."""
    proc = subprocess.Popen(
        [*SERVE, "--port", port, "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().removeprefix("SCIM Base URL: ")
        token = proc.stdout.readline().strip().removeprefix("Bearer Token: ")
        admin_line = proc.stdout.readline().strip()
        admin, _, rest = admin_line.removeprefix("Admin API: ").partition(" (Admin Token: ")
        console = proc.stdout.readline().strip().removeprefix("Web console: ").split(" ")[0]
        served = Served(base, token, admin, rest.removesuffix(")"), proc, console)
        assert base.startswith("http://"), proc.stderr.read() if proc.stderr else base
        for _ in range(200):
            try:
                httpx.get(f"{served.root}/healthz", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.05)
        yield served
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
        assert "Traceback" not in err
