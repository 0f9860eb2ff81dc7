"""Ports, processes and the skip-or-fail rule shared by the foreign-server fixtures."""

from __future__ import annotations

import os
import socket
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["HOST", "ServerProcess", "free_port", "in_ci", "listening_socket", "unavailable"]

HOST = "127.0.0.1"


def in_ci() -> bool:
    """True under CI (``CI=true``, as CI services and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """A foreign server cannot be installed or started: a failure under CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a foreign server that cannot run is a failure)", False)
    pytest.skip(reason)


def free_port() -> int:
    """A port of 127.0.0.1 that was free a moment ago (for servers that must bind it themselves)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def listening_socket() -> socket.socket:
    """A socket bound to a free port of 127.0.0.1, to hand to uvicorn (``--fd``): no race."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class ServerProcess:
    """A server we started: its process, its log file, and how to stop it."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, chars: int = 6000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                with suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=5)
