"""A throwaway PostgreSQL cluster from the machine's own binaries, on a free port of 127.0.0.1.

``initdb`` into a fresh temporary directory, ``pg_ctl start`` listening on 127.0.0.1 only (its
Unix socket inside that directory), one database, trust authentication (nothing else can reach
it); ``stop()`` shuts it down and deletes the directory. PostgreSQL refuses to run as root, so
as root every PostgreSQL command runs as the ``postgres`` user (Debian's package creates it).

The binaries are looked up in ``$SCIM_FOREIGN_PG_BINDIR``, then the newest
``/usr/lib/postgresql/*/bin`` (Debian's layout), then ``pg_config --bindir``, then ``$PATH``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foreign_ports import free_port

__all__ = ["PostgresCluster", "PostgresUnavailable", "find_bindir", "start_postgres"]


class PostgresUnavailable(Exception):
    """No PostgreSQL server binaries on this machine (or no user to run them as)."""


def _version_key(path: Path) -> tuple[int, ...]:
    parts = path.parent.name.split(".")
    return tuple(int(p) for p in parts if p.isdigit())


def find_bindir() -> Path:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    override = os.environ.get("SCIM_FOREIGN_PG_BINDIR")
    candidates: list[Path] = [Path(override)] if override else []
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    candidates += debian
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    msg = (
        "no PostgreSQL server binaries (initdb, pg_ctl, postgres) found in "
        "/usr/lib/postgresql/*/bin, pg_config --bindir or $PATH: install Debian's `postgresql` "
        "package or set SCIM_FOREIGN_PG_BINDIR"
    )
    raise PostgresUnavailable(msg)


@dataclass
class PostgresCluster:
    """A running cluster: where it listens and how to stop it."""

    bindir: Path
    root: Path
    port: int
    database: str
    user: str
    run_as: dict[str, Any]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def env(self) -> dict[str, str]:
        """The environment variables the django-scim2 project reads to connect."""
        return {
            "SCIM_FOREIGN_PG_HOST": "127.0.0.1",
            "SCIM_FOREIGN_PG_PORT": str(self.port),
            "SCIM_FOREIGN_PG_NAME": self.database,
            "SCIM_FOREIGN_PG_USER": self.user,
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        tool = str(self.bindir / args[0])
        return subprocess.run(
            [tool, *args[1:]],
            capture_output=True,
            text=True,
            check=False,
            cwd=self.root,
            timeout=120,
            **self.run_as,
        )

    def stop(self) -> None:
        """Shut the server down (fast mode) and delete its directory."""
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")
        shutil.rmtree(self.root, ignore_errors=True)


def _run_as() -> tuple[dict[str, Any], str]:
    """Popen keyword arguments that drop root to ``postgres``, and the cluster's superuser."""
    if os.geteuid() != 0:
        return {}, pwd.getpwuid(os.geteuid()).pw_name
    try:
        account = pwd.getpwnam("postgres")
    except KeyError as exc:
        msg = "running as root and there is no `postgres` user to run PostgreSQL as"
        raise PostgresUnavailable(msg) from exc
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": account.pw_dir, "LC_ALL": "C"}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [], "env": env}, (
        "postgres"
    )


def _check(proc: subprocess.CompletedProcess[str], what: str, log: Path | None = None) -> None:
    if proc.returncode == 0:
        return
    detail = (proc.stdout + proc.stderr).strip()
    if log is not None and log.exists():
        detail += "\n--- postgres.log ---\n" + log.read_text(errors="replace")[-4000:]
    msg = f"{what} failed (exit {proc.returncode}):\n{detail}"
    raise RuntimeError(msg)


def start_postgres(database: str = "scim") -> PostgresCluster:
    """Create and start a cluster with one empty database; the caller must ``stop()`` it."""
    bindir = find_bindir()
    run_as, superuser = _run_as()
    root = Path(tempfile.mkdtemp(prefix="scim-foreign-pg-"))
    if run_as:
        os.chown(root, run_as["user"], run_as["group"])
    cluster = PostgresCluster(bindir, root, free_port(), database, superuser, run_as)
    try:
        _check(
            cluster.run(
                "initdb",
                "-D",
                str(cluster.data),
                "-U",
                superuser,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ),
            "initdb",
        )
        options = f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        _check(
            cluster.run(
                "pg_ctl",
                "start",
                "-D",
                str(cluster.data),
                "-l",
                str(cluster.log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
            ),
            "pg_ctl start",
            cluster.log,
        )
        _check(
            cluster.run(
                "createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", superuser, database
            ),
            "createdb",
            cluster.log,
        )
    except BaseException:
        cluster.stop()
        raise
    return cluster
