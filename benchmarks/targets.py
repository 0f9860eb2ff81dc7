"""The servers a benchmark measures, each a separate process on 127.0.0.1, and the load generator.

Every process started here is stopped here (``Target.stop`` / ``LoadGen.close``, also on
errors through the context managers). CPU time and peak RSS are read from the server's own
process and its children (uvicorn workers) with psutil; peak RSS is the kernel's high-water
mark (``VmHWM``), so no spike between samples is missed.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil  # type: ignore[import-untyped]

__all__ = [
    "HERE",
    "REPO",
    "LoadGen",
    "Target",
    "can_boost",
    "free_port",
    "harness_command",
    "start_echo",
    "start_ours",
    "start_peer",
]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
HOST = "127.0.0.1"
BOOST_NICE = -10
"""Priority given to the servers and the load generator when we may (root): on a shared
machine, other work then takes CPU from them only when they leave it idle."""


def can_boost() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def harness_command() -> list[str]:
    """``scim-harness`` when installed, else the same entry point run from this checkout."""
    found = shutil.which("scim-harness")
    return [found] if found else [sys.executable, "-m", "scim_harness.cli"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


@dataclass
class Target:
    """A running server: where it listens, how to authenticate, and its process."""

    name: str
    base: str
    """Path prefix of the SCIM endpoints, e.g. ``/apps/bench/scim/v2``."""
    port: int
    token: str
    proc: subprocess.Popen[bytes]
    note: str = ""
    pinned: list[int] | None = None
    _children_seen: dict[int, psutil.Process] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def processes(self) -> list[psutil.Process]:
        """The server process and every worker it forked (remembered even after they exit)."""
        try:
            root = psutil.Process(self.proc.pid)
            for child in root.children(recursive=True):
                self._children_seen.setdefault(child.pid, child)
            return [root, *self._children_seen.values()]
        except psutil.NoSuchProcess:
            return list(self._children_seen.values())

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def peak_rss_mb(self) -> float:
        """Sum over the server's processes of their peak resident set (VmHWM), in MB."""
        total = 0
        for proc in self.processes():
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                with suppress(psutil.NoSuchProcess):
                    total += proc.memory_info().rss
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
        return total / 1e6

    def rss_mb(self) -> float:
        total = 0
        for proc in self.processes():
            with suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total / 1e6

    def pin(self, cpus: list[int] | None, *, boost: bool = False) -> None:
        """Pin the server's processes to ``cpus``; with ``boost`` also raise their priority."""
        for proc in self.processes():
            try:
                if cpus is not None:
                    proc.cpu_affinity(cpus)
                if boost:
                    proc.nice(BOOST_NICE)
            except (psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                pass
        self.pinned = cpus

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                msg = f"{self.name} exited with {self.proc.returncode} before it was ready"
                raise RuntimeError(msg)
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", path, headers=self.headers)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        msg = f"{self.name} did not answer on port {self.port} within {timeout} s"
        raise RuntimeError(msg)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for child in self._children_seen.values():
            with suppress(psutil.NoSuchProcess):
                child.kill()


@contextmanager
def _running(target: Target) -> Iterator[Target]:
    try:
        yield target
    finally:
        target.stop()


def _log(logdir: Path, name: str) -> Any:
    return (logdir / f"{name}.log").open("ab")


def _uvicorn(app: str, port: int, env: dict[str, str], log: Any) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(HERE),
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--lifespan",
        "off",
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)


@contextmanager
def start_echo(logdir: Path) -> Iterator[Target]:
    port = free_port()
    log = _log(logdir, "echo")
    target = Target("echo", "/echo", port, "none", _uvicorn("echo_app:app", port, _env(), log))
    target.note = "bare Starlette app, uvicorn (httptools + uvloop), 1 process"
    with _running(target):
        target.wait_ready("/echo/ping")
        yield target


@contextmanager
def start_peer(logdir: Path, token: str = "bench-peer-token") -> Iterator[Target]:
    port = free_port()
    env = {**_env(), "BENCH_PEER_TOKEN": token}
    log = _log(logdir, "scim2-server")
    target = Target("scim2-server", "/v2", port, token, _uvicorn("peer_app:app", port, env, log))
    target.note = (
        "scim2-server ASGIApplication + AsyncInMemoryStorage (its only backend: no file store), "
        "uvicorn (httptools + uvloop), 1 process"
    )
    with _running(target):
        target.wait_ready("/v2/ServiceProviderConfig")
        yield target


@contextmanager
def start_ours(db: Path, logdir: Path, *, workers: int = 1, app: str = "bench") -> Iterator[Target]:
    """``scim-harness serve`` on a free port with a file database; reads its token from stdout."""
    cmd = [
        *harness_command(),
        "serve",
        "--host",
        HOST,
        "--port",
        "0",
        "--db",
        str(db),
        "--app",
        app,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    log = _log(logdir, f"scim-harness-w{workers}")
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=log)
    target = Target("scim-harness", f"/apps/{app}/scim/v2", 0, "", proc)
    with _running(target):
        stdout = proc.stdout
        if stdout is None:
            msg = "scim-harness serve started without a stdout pipe"
            raise RuntimeError(msg)
        deadline = time.monotonic() + 60
        while not (target.port and target.token):
            line = stdout.readline().decode()
            if not line:
                msg = f"scim-harness serve exited before printing its URL; see {log.name}"
                raise RuntimeError(msg)
            if line.startswith("SCIM Base URL:"):
                target.port = int(line.split()[-1].split(":")[2].split("/")[0])
            elif line.startswith("Bearer Token:"):
                target.token = line.split()[-1]
            if time.monotonic() > deadline:
                msg = "scim-harness serve did not print its URL within 60 s"
                raise RuntimeError(msg)
        target.note = (
            f"scim-harness serve --workers {workers}, SQLite file (WAL, synchronous=NORMAL), "
            "uvicorn (httptools + uvloop)"
        )
        target.wait_ready(target.base + "/ServiceProviderConfig")
        if workers > 1:
            time.sleep(1.0)  # let every worker import the app before the clock starts
            target.wait_ready(target.base + "/ServiceProviderConfig")
        yield target


class LoadGen:
    """One warm ``loadgen.py`` process; :meth:`run` sends a job and waits for its figures."""

    def __init__(self, cpu: int | None = None, *, boost: bool = False) -> None:
        cmd = [sys.executable, str(HERE / "loadgen.py")]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        if boost:
            cmd += ["--nice", str(BOOST_NICE)]
        self.cpu = cpu
        self._tmp = tempfile.TemporaryDirectory(prefix="scim-loadgen-")
        self._jobs = 0
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_env()
        )
        if self.proc.stdin is None or self.proc.stdout is None:
            msg = "the load generator started without pipes"
            raise RuntimeError(msg)
        self._stdin: IO[str] = self.proc.stdin
        self._stdout: IO[str] = self.proc.stdout
        hello = json.loads(self._stdout.readline())
        self.loop = str(hello.get("loop"))

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        self._jobs += 1
        result_file = Path(self._tmp.name) / f"result-{self._jobs}.json"
        self._stdin.write(json.dumps({**job, "result_file": str(result_file)}) + "\n")
        self._stdin.flush()
        line = self._stdout.readline()
        if not line:
            msg = "the load generator exited"
            raise RuntimeError(msg)
        result: dict[str, Any] = json.loads(line)
        if "result_file" in result:
            result = json.loads(result_file.read_text(encoding="utf-8"))
            result_file.unlink()
        if "error" in result:
            msg = f"load generator: {result['error']}"
            raise RuntimeError(msg)
        return result

    def close(self) -> None:
        if self.proc.poll() is None:
            self._stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._tmp.cleanup()

    def __enter__(self) -> LoadGen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
