"""push --rate and --concurrency: send slots 1/N seconds apart, checked on an injected clock."""

from __future__ import annotations

import argparse

import httpx
import pytest
import respx
from scim_harness.simulated_client.cli import add_push_parser, pace
from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.pacing import Pacer
from scim_harness.simulated_client.profiles.catalogue import ENTRA, OKTA, PROFILES, RFC
from scim_harness.simulated_client.wire import RequestSpec

BASE = "https://pace.test/scim/v2"


class FakeClock:
    """A clock that moves only when the code under test sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


async def test_slots_are_one_interval_apart_when_requests_come_at_once() -> None:
    """Five requests at the same instant at 10/s are given slots 0.1 s apart."""
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    slots = [pacer.reserve() for _ in range(5)]
    assert [round(s - 1000.0, 6) for s in slots] == [0.0, 0.1, 0.2, 0.3, 0.4]


async def test_a_request_after_a_quiet_spell_goes_at_once() -> None:
    """The pace limits bursts; it does not delay a request that comes after the interval."""
    clock = FakeClock()
    pacer = Pacer(4, clock=clock, sleep=clock.sleep)
    assert await pacer.wait() == 0.0
    clock.now += 10
    assert await pacer.wait() == 0.0
    assert await pacer.wait() == pytest.approx(0.25)
    assert clock.sleeps == [0.25]


async def test_waits_add_up_to_the_rate() -> None:
    """Twenty-one back-to-back requests at 20/s span one second of slots, never less."""
    clock = FakeClock()
    pacer = Pacer(20, clock=clock, sleep=clock.sleep)
    for _ in range(21):
        await pacer.wait()
    assert clock.now - 1000.0 == pytest.approx(1.0)
    assert all(s == pytest.approx(0.05) for s in clock.sleeps)


@pytest.mark.parametrize("rate", [0, -1.5])
def test_a_rate_must_be_positive(rate: float) -> None:
    """A zero or negative rate is refused when the pacer is made."""
    with pytest.raises(ValueError, match="rate must be positive"):
        Pacer(rate)


async def test_the_client_paces_every_attempt_with_its_clock() -> None:
    """ScimClient(rate=5) sleeps 0.2 s per request after the first, however many in flight."""
    clock = FakeClock()
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{BASE}/Users").respond(200, json={"Resources": [], "totalResults": 0})
        async with httpx.AsyncClient() as http:
            client = ScimClient(
                http,
                base_url=BASE,
                token="t",
                concurrency=4,
                rate=5,
                sleep=clock.sleep,
                pace_clock=clock,
            )
            for _ in range(4):
                await client.send(RequestSpec("GET", "/Users"))
    assert clock.sleeps == [0.2, 0.2, 0.2]
    assert client.stats.paced == pytest.approx(0.6)
    assert client.stats.requests == 4


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_push_parser(parser.add_subparsers())
    return parser.parse_args(["push", "--base-url", BASE, "--token", "t", *argv])


@pytest.mark.parametrize(
    ("argv", "profile", "expected"),
    [
        pytest.param((), RFC, (8, None), id="rfc-defaults"),
        pytest.param((), ENTRA, (8, 25.0), id="entra-25-per-second"),
        pytest.param((), OKTA, (75, None), id="okta-org-concurrency"),
        pytest.param(("--concurrency", "35"), OKTA, (35, None), id="okta-free-plan"),
        pytest.param(("--rate", "2.5"), RFC, (8, 2.5), id="rate-flag"),
        pytest.param(("--rate", "100", "--concurrency", "3"), ENTRA, (3, 100.0), id="both"),
    ],
)
def test_flags_override_the_profile_pace(
    argv: tuple[str, ...], profile: object, expected: tuple[int, float | None]
) -> None:
    """Without flags the profile's documented pace applies; each flag overrides its half."""
    assert pace(_parse(*argv), profile) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "-3", "fast", "inf"])
def test_a_bad_rate_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--rate takes a positive, finite number of requests per second."""
    with pytest.raises(SystemExit):
        _parse("--rate", value)
    assert "--rate" in capsys.readouterr().err


def test_every_profile_has_a_sane_pace() -> None:
    """Each profile's default pace is at least one request in flight and a positive rate."""
    for profile in PROFILES.values():
        assert profile.concurrency >= 1
        assert profile.rate is None or profile.rate > 0
