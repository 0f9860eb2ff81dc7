"""``scim-harness push``: a summary and exit 0 on success; one clear line for every error."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from scim_fake import BASE_URL, TOKEN, FakeScim
from scim_harness.simulated_client.cli import add_push_parser, run_push


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scim-harness")
    add_push_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["push", *argv])


def push_args(*extra: str) -> list[str]:
    return ["--base-url", BASE_URL, "--token", TOKEN, "--retries", "0", *extra]


@pytest.fixture
def fake() -> Iterator[FakeScim]:
    provider = FakeScim()
    with respx.mock(assert_all_called=False) as router:
        provider.install(router)
        yield provider


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            push_args("--deactivate", "1.5"),
            "argument --deactivate: must be between 0 and 1, got 1.5",
            id="fraction",
        ),
        pytest.param(
            push_args("--users", "many"),
            "argument --users: expected a whole number, got 'many'",
            id="users",
        ),
        pytest.param(
            push_args("--groups", "-1"),
            "argument --groups: must be zero or more, got -1",
            id="groups",
        ),
        pytest.param(
            push_args("--concurrency", "0"),
            "argument --concurrency: must be at least 1, got 0",
            id="concurrency",
        ),
        pytest.param(
            push_args("--timeout", "0"),
            "argument --timeout: must be a positive number of seconds, got 0",
            id="timeout",
        ),
        pytest.param(
            push_args("--profile", "ping"),
            "argument --profile: invalid choice: 'ping'",
            id="profile",
        ),
        pytest.param(
            push_args("--scenario", "purge"),
            "argument --scenario: invalid choice: 'purge'",
            id="scenario",
        ),
        pytest.param(
            ["--base-url", "scim.example.com", "--token", "t"],
            "expected an http:// or https:// URL",
            id="url",
        ),
        pytest.param(
            ["--base-url", BASE_URL], "the following arguments are required: --token", id="token"
        ),
    ],
)
def test_bad_arguments_give_one_error_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse refuses bad values with exit status 2 and a line naming the argument."""
    with pytest.raises(SystemExit) as exited:
        parse(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_the_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --token, $SCIM_TOKEN is the token; with neither, --token is required."""
    monkeypatch.setenv("SCIM_TOKEN", "scimh_from_env")
    assert parse(["--base-url", BASE_URL]).token == "scimh_from_env"
    monkeypatch.delenv("SCIM_TOKEN")
    with pytest.raises(SystemExit):
        parse(["--base-url", BASE_URL])


def test_the_command_dispatches_to_run_push() -> None:
    """scim-harness main() dispatches on args.func."""
    assert parse(push_args()).func is run_push


def test_an_unknown_locale_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A Faker locale that does not exist: exit 2, one line."""
    assert run_push(parse(push_args("--locale", "xx_XX"))) == 2
    err = capsys.readouterr().err
    assert err == "scim-harness push: error: unknown Faker locale 'xx_XX'\n"


def test_a_refused_token_is_one_line(fake: FakeScim, capsys: pytest.CaptureFixture[str]) -> None:
    """A 401 on the connection test: exit 2 and one line telling to check the token."""
    argv = ["--base-url", BASE_URL, "--token", "wrong", "--retries", "0"]
    assert run_push(parse(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"scim-harness push: error: {BASE_URL} refused the token (HTTP 401)")


def test_an_unreachable_server_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Connection refused: exit 2 and one line naming the URL, no traceback."""
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(side_effect=httpx.ConnectError("Connection refused"))
        assert run_push(parse(push_args())) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot use {BASE_URL}: GET /ServiceProviderConfig: cannot reach the server" in err


def test_a_wrong_base_url_fails_the_connection_test(capsys: pytest.CaptureFixture[str]) -> None:
    """A base URL that is not a SCIM endpoint (404 on the test): exit 2, one line."""
    with respx.mock(assert_all_called=False) as router:
        router.route().mock(return_value=httpx.Response(404, text="Not Found"))
        assert run_push(parse(push_args())) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "the connection test failed: GET /ServiceProviderConfig: server answered 404" in err


def test_a_successful_push_prints_a_summary_and_exits_0(
    fake: FakeScim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lifecycle with the entra profile: exit 0, a summary table, every exchange in the JSON."""
    out = tmp_path / "run.json"
    argv = push_args(
        "--users", "12", "--groups", "3", "--seed", "4", "--profile", "entra",
        "--scenario", "lifecycle", "--deactivate", "0.25", "--edge-cases", "--json-out", str(out),
    )  # fmt: skip
    assert run_push(parse(argv)) == 0
    captured = capsys.readouterr()
    assert "lifecycle with the entra profile" in captured.out
    for row in ("created (users + groups)", "deactivated", "failed", "requests/s"):
        assert row in captured.out
    assert captured.err == ""
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert (document["profile"], document["scenario"], document["seed"]) == (
        "entra",
        "lifecycle",
        4,
    )
    result = document["result"]
    assert result["counts"]["users_created"] == 12
    assert result["counts"]["users_deactivated"] == 3
    assert result["counts"]["failed"] == 0
    assert result["counts"]["requests"] == len(fake.requests)
    exchanges = [e for step in result["steps"] for e in step["exchanges"]]
    assert len(exchanges) == len(fake.requests)
    assert TOKEN not in out.read_text(encoding="utf-8")


def test_unexpected_failures_exit_1(
    fake: FakeScim, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Requests that failed unexpectedly give exit 1 and say which."""
    monkeypatch.setattr(
        fake, "_create", lambda kind, store, body: httpx.Response(500, text="db down")
    )
    assert run_push(parse(push_args("--users", "2", "--groups", "1"))) == 1
    captured = capsys.readouterr()
    assert (
        "failed: create-user user-000001: POST /Users: server answered 500: db down" in captured.err
    )
    assert "Traceback" not in captured.err


def test_an_unwritable_json_file_is_one_line(
    fake: FakeScim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json-out into a missing folder: exit 2 and one line, before anything is pushed."""
    target = tmp_path / "missing" / "run.json"
    assert (
        run_push(parse(push_args("--users", "1", "--groups", "0", "--json-out", str(target)))) == 2
    )
    err = capsys.readouterr().err
    assert err == (
        f"scim-harness push: error: --json-out {target}: the folder {target.parent} does not exist\n"
    )
    assert fake.requests == []
