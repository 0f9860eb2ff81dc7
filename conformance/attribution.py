"""Who sent a request: the harness itself, or the client being judged.

Every request the harness sends on its own account (the server suite, its pre-flight probe, the
demo's and the pytest plugin's runs of it) carries ``User-Agent: scim-harness/<version>
(<suite>)``, e.g. ``scim-harness/0.1.0 (server suite; demo)``. The client suite leaves those
requests out of its verdicts and says how many it left out, so running ``check server`` and
then ``check client`` on the same app never blames the client for the server suite's
deliberate mistakes.

The simulated client (``scim-harness push``) is a client under test, not the harness: its
product token is ``scim-harness-simulated-client``, which is not ``scim-harness``, so its
requests are judged like any other client's.
"""

from __future__ import annotations

from importlib import metadata

__all__ = ["HARNESS_PRODUCT", "harness_user_agent", "is_harness_agent"]

HARNESS_PRODUCT = "scim-harness"
"""The product token (RFC 9110 §10.1.5) of the harness's own requests."""


def _version() -> str:
    try:
        return metadata.version("scim-harness")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def harness_user_agent(suite: str, via: str | None = None) -> str:
    """``scim-harness/<version> (<suite>[; <via>])``: what the harness's own requests carry.

    ``suite`` names what sends them (``server suite``), ``via`` the entry point that ran it
    (``demo``, ``pytest``), so the request record tells them apart.
    """
    comment = suite if via is None else f"{suite}; {via}"
    return f"{HARNESS_PRODUCT}/{_version()} ({comment})"


def is_harness_agent(user_agent: str | None) -> bool:
    """The first product of ``user_agent`` is ``scim-harness/<version>`` (any case)."""
    if not user_agent:
        return False
    product = user_agent.strip().split(None, 1)[0] if user_agent.strip() else ""
    name, slash, version = product.partition("/")
    return bool(slash and version) and name.lower() == HARNESS_PRODUCT
