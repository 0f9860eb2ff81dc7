"""The simulated client's public names are exactly what each module's __all__ lists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from scim_harness import simulated_client

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(simulated_client.__path__, f"{simulated_client.__name__}.")
    if not info.ispkg
)
TOP_MODULES = [m for m in MODULES if m.count(".") == 2]
SUBPACKAGES = sorted(
    info.name
    for info in pkgutil.walk_packages(simulated_client.__path__, f"{simulated_client.__name__}.")
    if info.ispkg
)


@pytest.mark.parametrize("name", [simulated_client.__name__, *MODULES])
def test_every_listed_name_exists(name: str) -> None:
    """Each name in __all__ resolves, and none is listed twice."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert all(hasattr(module, item) for item in exported)
    assert len(set(exported)) == len(exported)


def test_the_package_exports_its_public_api() -> None:
    """The package namespace offers the client, generation, profiles and scenarios."""
    # "@py_builtins"-style names come from pytest's assertion rewriting of installed plugins.
    public = {name for name in dir(simulated_client) if not name.startswith(("_", "@"))}
    modules = {name.rsplit(".", 1)[1] for name in TOP_MODULES + SUBPACKAGES}
    assert public - modules - {"annotations"} == set(simulated_client.__all__)
