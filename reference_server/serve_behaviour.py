"""``serve`` flags for how the app behaves: its rules, a target preset, throttling and faults.

Each flag becomes the app setting of the same meaning (see :mod:`.settings`), checked by the
same code as the admin API, so a bad value is one line naming the flag and exit status 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from scim_harness.reference_server.platform.limits import ENDPOINTS, FAULT_STATUSES
from scim_harness.reference_server.platform.presets import known_presets
from scim_harness.reference_server.settings import RULES

from scim_harness.options import count

__all__ = ["add_behaviour_flags", "behaviour_settings", "fail_rule"]

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        msg = f"expected a number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= value < float("inf"):
        msg = f"must be zero or more, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _share(text: str) -> float:
    value = _number(text)
    if value > 1:
        msg = f"must be a share from 0 to 1 (0.05 is 5%), got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def fail_rule(text: str) -> dict[str, Any]:
    """``N[:METHOD][:ENDPOINT]:STATUS[:carried-out]`` as a ``failNth`` rule, e.g.
    ``3:503`` or ``1:POST:Users:500:carried-out``."""
    parts = [p for p in text.split(":") if p]
    rule: dict[str, Any] = {}
    numbers: list[int] = []
    for part in parts:
        if part.isdigit():
            numbers.append(int(part))
        elif part.upper() in _METHODS:
            rule["method"] = part.upper()
        elif part in ENDPOINTS:
            rule["endpoint"] = part
        elif part.lower() == "carried-out":
            rule["carriedOut"] = True
        else:
            msg = f"{part!r} in {text!r} is no method, endpoint, number or 'carried-out'"
            raise argparse.ArgumentTypeError(msg)
    if len(numbers) != 2 or numbers[0] < 1 or numbers[1] not in FAULT_STATUSES:
        msg = (
            f"expected N[:METHOD][:ENDPOINT]:STATUS[:carried-out] with STATUS one of "
            f"{', '.join(map(str, FAULT_STATUSES))}, e.g. 3:503, got {text!r}"
        )
        raise argparse.ArgumentTypeError(msg)
    rule["nth"], rule["status"] = numbers
    return rule


def add_behaviour_flags(p: argparse.ArgumentParser) -> None:
    rules = p.add_argument_group("rules and presets")
    rules.add_argument(
        "--rules",
        choices=RULES,
        help="platform: the mapping's required attributes are enforced (default); "
        "rfc: a plain RFC 7643/7644 server (only userName required)",
    )
    rules.add_argument(
        "--preset",
        choices=known_presets(),
        help="enforce a platform's published inbound limits (fixtures/presets)",
    )
    throttle = p.add_argument_group("throttling (answered 429 with Retry-After)")
    throttle.add_argument("--rate-limit", type=_number, metavar="N", help="requests per second")
    throttle.add_argument("--burst", type=count, metavar="N", help="requests at once (rate)")
    throttle.add_argument(
        "--concurrency-limit", type=count, metavar="N", help="requests in flight at once"
    )
    throttle.add_argument(
        "--retry-after", type=count, metavar="S", help="Retry-After seconds (default: computed)"
    )
    faults = p.add_argument_group("faults (seeded, recorded with FAULT-* findings)")
    faults.add_argument("--error-rate", type=_share, metavar="P", help="share answered 500/503")
    faults.add_argument(
        "--lost-create-rate", type=_share, metavar="P", help="share of creates done, then 500"
    )
    faults.add_argument("--slow-rate", type=_share, metavar="P", help="share answered late")
    faults.add_argument("--latency-ms", type=count, metavar="MS", help="delay of a slow answer")
    faults.add_argument("--jitter-ms", type=count, metavar="MS", help="delay varies by +/- MS")
    faults.add_argument("--fault-seed", type=count, metavar="N", help="seed of the draws (0)")
    faults.add_argument(
        "--fail-nth",
        type=fail_rule,
        action="append",
        metavar="N[:METHOD][:ENDPOINT]:STATUS[:carried-out]",
        help="answer the Nth (matching) request with STATUS; repeatable",
    )


_THROTTLE = {
    "rate_limit": "rate",
    "burst": "burst",
    "concurrency_limit": "concurrency",
    "retry_after": "retryAfter",
}
_FAULTS = {
    "error_rate": "errorRate",
    "lost_create_rate": "lostCreateRate",
    "slow_rate": "slowRate",
    "latency_ms": "latencyMs",
    "jitter_ms": "jitterMs",
    "fault_seed": "seed",
    "fail_nth": "failNth",
}


def behaviour_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The app settings the flags ask for (camelCase, as the admin API takes them)."""
    settings: dict[str, Any] = {}
    if args.rules is not None:
        settings["rules"] = args.rules
    if args.preset is not None:
        settings["preset"] = args.preset
    throttle = {k: getattr(args, f) for f, k in _THROTTLE.items() if getattr(args, f) is not None}
    if throttle:
        settings["throttle"] = throttle
    faults = {k: getattr(args, f) for f, k in _FAULTS.items() if getattr(args, f) is not None}
    if faults and "retryAfter" in throttle:
        faults["retryAfter"] = throttle["retryAfter"]  # one --retry-after for every 429/503
    if faults:
        settings["faults"] = faults
    return settings
