"""The client suite: judge a SCIM client by the traffic the reference server recorded from it.

::

    traffic = await fetch_traffic(http, "http://127.0.0.1:8000/admin", admin_token, "demo")
    report = run_client_suite(traffic, target="app demo")
    report.exit_code            # 0 unless a MUST check failed; 3 when nothing to judge

The suite first scopes the traffic (:mod:`scim_harness.conformance.client.scope`): the
harness's own requests are left out and counted, ``window`` keeps a part of the record, and a
record with no create or fewer than ``MIN_REQUESTS`` requests is *nothing to judge* (exit code 3
unless ``allow_empty``). Every client check in ``conformance/checks/client/`` then runs on the
same :class:`~scim_harness.conformance.traffic.records.Traffic`; a check with no evidence in it
is *not exercised*, never passed. A failure carries the offending requests as
:class:`~scim_harness.conformance.model.Exchange` evidence.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scim_harness.conformance.checks import Registered, registered
from scim_harness.conformance.checks.client.support import TrafficViolation
from scim_harness.conformance.client.scope import (
    MIN_REQUESTS,
    Window,
    evidence_gap,
    scope_traffic,
)
from scim_harness.conformance.model import (
    Check,
    CheckFailed,
    CheckSkipped,
    NotExercised,
    Outcome,
    Report,
    Result,
)
from scim_harness.conformance.traffic.recording import (
    Traffic,
    dump_traffic_jsonl,
    fetch_traffic,
    load_traffic_jsonl,
)
from scim_harness.conformance.traffic.records import exchange_of

__all__ = [
    "MIN_REQUESTS",
    "Traffic",
    "Window",
    "dump_traffic_jsonl",
    "fetch_traffic",
    "load_traffic_jsonl",
    "run_client_check",
    "run_client_suite",
]


def run_client_check(entry: Registered, traffic: Traffic) -> Result:
    """One client check's verdict on ``traffic`` (a crash in the check is an ``error``)."""
    started = time.perf_counter()
    try:
        entry.run(traffic)
    except TrafficViolation as violation:
        exchanges = [exchange_of(r) for r in violation.records]
        result = Result(entry.check, Outcome.FAILED, str(violation), exchanges)
    except CheckFailed as failed:
        result = Result(entry.check, Outcome.FAILED, str(failed))
    except NotExercised as missing:
        result = Result(entry.check, Outcome.NOT_EXERCISED, str(missing))
    except CheckSkipped as skipped:
        result = Result(entry.check, Outcome.SKIPPED, str(skipped))
    except Exception as crash:  # a bug in a check must not hide the other verdicts
        message = f"the check crashed: {type(crash).__name__}: {crash}"
        result = Result(entry.check, Outcome.ERROR, message)
    else:
        result = Result(entry.check, Outcome.PASSED, "")
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result


def run_client_suite(
    traffic: Traffic,
    *,
    select: Callable[[Check], bool] | None = None,
    target: str = "",
    progress: Callable[[Result], None] | None = None,
    window: Window | None = None,
    allow_empty: bool = False,
    profile: str = "rfc",
) -> Report:
    """Run every client check (or those ``select`` keeps) on the client's part of ``traffic``.

    See the module docstring for what is left out and when there is nothing to judge.
    ``profile`` ``interop`` adds the SCIM 2.0 Interoperability Profile's client checks.
    """
    started = time.perf_counter()
    report = Report(side="client", target=target or traffic.source)
    scope = scope_traffic(traffic, window)
    traffic = scope.judged
    report.details.update(traffic.summary())
    report.details.update(scope.details())
    report.nothing_to_judge = evidence_gap(traffic)
    report.allow_empty = allow_empty
    if report.nothing_to_judge:
        report.details["nothing_to_judge"] = report.nothing_to_judge
    if profile != "rfc":
        report.details["profile"] = profile
    for entry in registered("client"):
        if select is not None and not select(entry.check):
            continue
        reason = entry.off_profile(profile)
        if reason is not None:
            result = Result(entry.check, Outcome.SKIPPED, reason)
        else:
            result = run_client_check(entry, traffic)
        report.results.append(result)
        if progress is not None:
            progress(result)
    report.duration_s = time.perf_counter() - started
    return report
