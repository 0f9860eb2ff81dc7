"""Chromium through Playwright for the console's browser tests, and their screenshots.

Playwright drives Debian's Chromium by its path (``$SCIM_HARNESS_CHROMIUM``, default
``/usr/bin/chromium``): no browser is ever downloaded. Without it the browser tests are
skipped, except under ``CI=true``, where a missing browser fails them (``.ci/run`` installs
it). Screenshots of each step go to ``test-artifacts/console/`` (ignored by git; another
folder with ``$SCIM_HARNESS_ARTIFACTS``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ARGS", "ARTIFACTS", "Shots", "chromium_path"]

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("SCIM_HARNESS_ARTIFACTS") or ROOT / "test-artifacts") / "console"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true needs the browser tests to run, but {why} (.ci/run installs it)")
    pytest.skip(why)


def chromium_path() -> str:
    """Chromium's executable, or skip (fail under CI) when it is not installed."""
    path = os.environ.get("SCIM_HARNESS_CHROMIUM") or "/usr/bin/chromium"
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        found = shutil.which("chromium")
        if found is None:
            _missing(f"no Chromium at {path} (apt-get install chromium)")
        path = str(found)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    return path


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Any, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path
