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
from pathlib import Path

__all__ = ["__version__"]

# In a checkout of the repository, the four folders beside this one are this package's
# subpackages (the wheel maps them with package-dir). Python puts the current directory first on
# sys.path for `python -m`, so from the checkout's root this folder is found before the installed
# package: extending __path__ lets `python -m scim_harness` (and the tests' subprocesses) work
# there too, with the checkout's own code.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "reference_server").is_dir():
    __path__.append(str(_CHECKOUT))

try:
    __version__ = version("scim-harness")
except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
    __version__ = "0+unknown"
