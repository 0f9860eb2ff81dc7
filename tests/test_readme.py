"""The README is a contract: its tour runs as written, and every command in it parses."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from scim_harness.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_blocks(text: str) -> list[str]:
    return re.findall(r"```console\n(.*?)```", text, flags=re.S)


def _commands(block: str) -> list[str]:
    """The ``$ `` lines of a console block, continuation lines joined; output lines dropped.
    A block without any ``$ `` line is all commands (the two commands at the top)."""
    prompted = any(line.startswith("$ ") for line in block.splitlines())
    commands: list[str] = []
    pending = ""
    for line in block.splitlines():
        if pending:
            pending += " " + line.strip()
        elif line.startswith("$ "):
            pending = line[2:]
        elif not prompted and line.strip():
            pending = line.strip()
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
        else:
            commands.append(pending)
            pending = ""
    return commands


def _tour() -> list[str]:
    section = README.split("## A tour", 1)[1].split("\n## ", 1)[0]
    [block] = _console_blocks(section)
    return _commands(block)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    """Every line of the README's tour, in one shell, exits 0 (on a free port, not 8000)."""
    port = str(_free_port())
    lines = [
        line.replace(":8000", f":{port}").replace("--port 8000", f"--port {port}")
        for line in _tour()
    ]
    assert any(line.startswith("scim-harness push") for line in lines)
    script = "\n".join(
        ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT", *lines]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCIM_")}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert (tmp_path / "client.html").is_file()
    assert (tmp_path / "server.xml").read_text(encoding="utf-8").startswith("<?xml")


def _harness_commands() -> list[str]:
    found = []
    for block in _console_blocks(README):
        for command in _commands(block):
            for part in re.split(r"&&|;|\|", command):
                part = part.strip().removesuffix("&").strip()
                if part.startswith("scim-harness "):
                    found.append(part.split(" #", 1)[0].strip())
    return found


SAMPLE = {
    "BASE": "http://127.0.0.1:8000/apps/demo/scim/v2",
    "ADMIN": "http://127.0.0.1:8000/admin",
    "START": "2026-01-31T12:00:00Z",
}


def _expand(command: str) -> str:
    """Shell variables replaced by sample values: URLs for URL-like names, a token otherwise."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in SAMPLE:
            return SAMPLE[name]
        return "http://127.0.0.1:8000/x" if "URL" in name else "scimh_sample"

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, command)


@pytest.mark.parametrize("command", _harness_commands())
def test_every_scim_harness_command_in_the_readme_parses(command: str) -> None:
    """Each ``scim-harness ...`` line parses with today's flags (no stale or renamed option)."""
    argv = shlex.split(_expand(command))[1:]
    env = {"SCIM_TOKEN": "scimh_x", "SCIM_ADMIN_TOKEN": "scimh_admin_x"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        args = build_parser().parse_args(argv)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert callable(args.func)


def test_the_readme_has_harness_commands_to_check() -> None:
    """The extraction finds the commands (serve, push, check, demo), so the test above bites."""
    heads = {" ".join(shlex.split(c)[:2]) for c in _harness_commands()}
    assert {
        "scim-harness serve",
        "scim-harness push",
        "scim-harness check",
        "scim-harness demo",
    } <= heads
