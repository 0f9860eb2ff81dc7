"""The check catalogue: every rule the harness checks, each with a stable id.

Checks register themselves when their module is imported; :func:`catalogue` imports them
all and returns them sorted by id.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scim_harness.conformance.model import Check, Level

__all__ = ["Registered", "catalogue", "client_check", "registered", "server_check"]


@dataclass(frozen=True)
class Registered:
    """A check and the function that decides it."""

    check: Check
    run: Callable[..., Any]
    needs: tuple[str, ...] = ()
    """Server features the check needs (``patch``, ``bulk``, ``etag``, ``sort``, ``filter``);
    when the server does not advertise one, the check is skipped with the reason."""
    profiles: tuple[str, ...] = ()
    """The ``--profile`` values the check belongs to (an IdP's replay, the interop profile);
    empty: every run. Under another profile the check is skipped, saying which to choose."""

    def off_profile(self, profile: str) -> str | None:
        """Why the check does not run under ``profile`` (None when it does)."""
        if not self.profiles or profile in self.profiles:
            return None
        choices = ", ".join(self.profiles)
        return f"runs only with --profile {choices} (this run: {profile})"


_REGISTRY: dict[str, Registered] = {}


def _register(
    side: str,
    id: str,
    *,
    level: Level | str,
    area: str,
    reference: str,
    claim: str,
    fix: str,
    needs: tuple[str, ...] = (),
    profiles: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    check = Check(
        id=id,
        side=side,
        area=area,
        level=Level(level),
        reference=reference,
        claim=claim,
        fix=fix,
    )

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if id in _REGISTRY and _REGISTRY[id].run is not fn:
            msg = f"check id {id} is registered twice"
            raise ValueError(msg)
        _REGISTRY[id] = Registered(check, fn, needs, profiles)
        return fn

    return decorate


def server_check(
    id: str, **kwargs: Any
) -> Callable[[Callable[..., Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """Register ``async def fn(ctx: ServerContext) -> None``; raise CheckFailed/CheckSkipped."""
    return _register("server", id, **kwargs)


def client_check(id: str, **kwargs: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``def fn(traffic: Traffic) -> None``; raise CheckFailed/NotExercised."""
    return _register("client", id, **kwargs)


def _load_all() -> None:
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        importlib.import_module(info.name)


def registered(side: str | None = None) -> list[Registered]:
    """Every registered check (of one side), sorted by id."""
    _load_all()
    return sorted(
        (r for r in _REGISTRY.values() if side is None or r.check.side == side),
        key=lambda r: r.check.id,
    )


def catalogue(side: str | None = None) -> list[Check]:
    return [r.check for r in registered(side)]
