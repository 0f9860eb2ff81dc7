"""The browser tests' launcher: a missing Chromium skips them, except under CI=true."""

from __future__ import annotations

import pytest
from browser_support import chromium_path


@pytest.fixture
def no_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIM_HARNESS_CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")


def test_a_missing_browser_skips_outside_ci(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a developer's machine without Chromium the browser tests are skipped."""
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        chromium_path()


def test_a_missing_browser_fails_under_ci(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under CI=true a missing Chromium is a failure, never a skip."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true needs the browser tests"):
        chromium_path()
