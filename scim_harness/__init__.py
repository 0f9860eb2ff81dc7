"""scim-harness: prove SCIM 2.0 provisioning works before it meets a real identity platform.

One distribution, one import namespace. The repository's four top-level folders are installed
as its subpackages:

- :mod:`scim_harness.reference_server`: the inbound SCIM server modelled on the platform;
- :mod:`scim_harness.simulated_client`: the source app that pushes Faker users and groups;
- :mod:`scim_harness.conformance`: the server and client suites, reports and pytest plugin;
- :mod:`scim_harness.fixtures`: JSON Schemas, mappings, samples and recorded traffic.

This package itself holds what spans all of them: the ``scim-harness`` command
(:mod:`scim_harness.cli`) and the demo (:mod:`scim_harness.demo`).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("scim-harness")
except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
    __version__ = "0+unknown"
