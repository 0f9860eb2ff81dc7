"""The foreign SCIM servers of the corpus: what each needs, and how one is started and checked.

Each server is a package from PyPI that nobody here wrote, run as its documentation sets it up
(``projects/<folder>``, copied into a temporary directory), in its own process: uvicorn on a
socket of 127.0.0.1 that this process bound (``--fd``), with the same Python environment as the
tests (``tox -e foreign`` installs the packages, pinned in ``requirements.txt``). The server suite
then runs through the real command line, ``scim-harness check server``, writing its JSON report.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from foreign_ports import HOST, ServerProcess, listening_socket

__all__ = [
    "PROJECTS",
    "SERVERS",
    "ForeignServer",
    "RunningServer",
    "ServerUnavailable",
    "harness_command",
    "run_check_server",
    "start_server",
]

HERE = Path(__file__).resolve().parent
PROJECTS = HERE / "projects"
READY_TIMEOUT_S = 90.0
CHECK_TIMEOUT_S = 900.0


class ServerUnavailable(Exception):
    """The server's package (or what it needs, e.g. PostgreSQL) is not installed here."""


@dataclass(frozen=True)
class ForeignServer:
    """One server of the corpus."""

    name: str
    """Its PyPI distribution name, also the name of its expected-verdict file."""
    modules: tuple[str, ...]
    """What must be importable to run it."""
    project: str
    """Folder under ``projects/``."""
    app: str
    """The ASGI application for uvicorn (``module:attribute``)."""
    base_path: str
    """Path of the SCIM base URL on the server."""
    database: str = ""
    """``postgres``, ``sqlite`` or empty (in-memory storage)."""
    django_apps: tuple[str, ...] = ()
    """Project apps whose migrations are made at start (Django projects only)."""

    @property
    def django(self) -> bool:
        return self.app.startswith("asgi:")

    @property
    def expected_file(self) -> Path:
        return HERE / "expected" / f"{self.name}.json"

    def version(self) -> str:
        return importlib.metadata.version(self.name)


SERVERS = (
    ForeignServer("scim2-server", ("scim2_server",), "scim2_server", "app:app", ""),
    ForeignServer(
        "django-scim2",
        ("django", "django_scim", "psycopg"),
        "django_scim2",
        "asgi:application",
        "/scim/v2",
        database="postgres",
        django_apps=("accounts",),
    ),
    ForeignServer(
        "django-scim2-server",
        ("django", "django_scim2_server"),
        "django_scim2_server",
        "asgi:application",
        "/scim/v2",
        database="sqlite",
    ),
)


@dataclass
class RunningServer:
    """A started server: its SCIM base URL, token and process."""

    spec: ForeignServer
    base_url: str
    token: str
    process: ServerProcess


def require_installed(spec: ForeignServer) -> None:
    missing = [m for m in spec.modules if importlib.util.find_spec(m) is None]
    if missing:
        msg = (
            f"{spec.name}: {', '.join(missing)} not importable; install the corpus with "
            "`tox -e foreign` or `pip install -r tests/foreign/requirements.txt`"
        )
        raise ServerUnavailable(msg)


def _run_step(cmd: list[str], env: dict[str, str], cwd: Path, what: str) -> None:
    proc = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        msg = f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        raise RuntimeError(msg)


def _wait_ready(process: ServerProcess, base_url: str, token: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    url = f"{base_url}/ServiceProviderConfig"
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        if process.proc.poll() is not None:
            msg = (
                f"{process.name} exited with {process.proc.returncode} before it answered:\n"
                f"{process.log_tail()}"
            )
            raise RuntimeError(msg)
        try:
            if httpx.get(url, headers=headers, timeout=5).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    msg = f"{process.name} did not answer {url} within {READY_TIMEOUT_S:.0f} s:\n"
    raise RuntimeError(msg + process.log_tail())


def start_server(
    spec: ForeignServer, workdir: Path, token: str, extra_env: dict[str, str]
) -> RunningServer:
    """Copy the project, prepare its database, start uvicorn; the caller stops the process."""
    require_installed(spec)
    project = workdir / spec.project
    shutil.copytree(PROJECTS / spec.project, project, ignore=shutil.ignore_patterns("__pycache__"))
    sock = listening_socket()
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        **extra_env,
        "PYTHONPATH": str(project),
        "PYTHONDONTWRITEBYTECODE": "1",
        "SCIM_FOREIGN_TOKEN": token,
        "SCIM_FOREIGN_NETLOC": f"{HOST}:{port}",
        "SCIM_FOREIGN_SQLITE": str(workdir / "scim.sqlite3"),
    }
    try:
        if spec.django:
            env["DJANGO_SETTINGS_MODULE"] = "settings"
            django = [sys.executable, "-m", "django"]
            if spec.django_apps:
                _run_step(
                    [*django, "makemigrations", *spec.django_apps], env, project, "makemigrations"
                )
            _run_step([*django, "migrate", "--noinput"], env, project, "migrate")
        log = workdir / f"{spec.project}.log"
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            spec.app,
            "--app-dir",
            str(project),
            "--fd",
            str(sock.fileno()),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=project,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                pass_fds=(sock.fileno(),),
            )
    finally:
        sock.close()
    running = RunningServer(
        spec, f"http://{HOST}:{port}{spec.base_path}", token, ServerProcess(spec.name, proc, log)
    )
    try:
        _wait_ready(running.process, running.base_url, token)
    except BaseException:
        running.process.stop()
        raise
    return running


def harness_command() -> list[str]:
    """The ``scim-harness`` console script of this environment (the one the tests run in)."""
    beside = Path(sys.executable).with_name("scim-harness")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("scim-harness")
    if found:
        return [found]
    msg = "the scim-harness console script is not installed in this environment"
    raise RuntimeError(msg)


def run_check_server(
    server: RunningServer,
    report: Path,
    *,
    seed: int = 0,
    profile: str = "rfc",
    select: str | None = None,
) -> dict[str, Any]:
    """Run ``scim-harness check server`` against it and return the JSON report."""
    cmd = [
        *harness_command(),
        "check",
        "server",
        "--base-url",
        server.base_url,
        f"--token={server.token}",
        "--seed",
        str(seed),
        "--json",
        str(report),
        "--hide-passed",
        "--profile",
        profile,
        *(["--select", select] if select else []),
    ]
    proc = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        check=False,
        timeout=CHECK_TIMEOUT_S,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "160"},
    )
    if proc.returncode not in (0, 1) or not report.exists():
        msg = (
            f"`scim-harness check server` against {server.spec.name} exited {proc.returncode}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}\n--- server log ---\n"
            f"{server.process.log_tail()}"
        )
        raise RuntimeError(msg)
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data
