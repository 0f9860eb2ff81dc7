"""The platform and admin modules export exactly the names their __all__ lists."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "scim_harness.reference_server.admin.api",
    "scim_harness.reference_server.admin.edge",
    "scim_harness.reference_server.admin.records",
    "scim_harness.reference_server.platform.mapping",
    "scim_harness.reference_server.platform.mapping_rows",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_listed_name_exists_once(name: str) -> None:
    """Each name in __all__ resolves, and none is listed twice."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert all(hasattr(module, item) for item in exported)
    assert len(set(exported)) == len(exported)


@pytest.mark.parametrize("name", MODULES)
def test_public_definitions_are_listed(name: str) -> None:
    """Every public class and function defined in the module is in its __all__."""
    module = importlib.import_module(name)
    defined = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and getattr(value, "__module__", None) == name
        and (isinstance(value, type) or callable(value))
    }
    assert defined <= set(module.__all__)
