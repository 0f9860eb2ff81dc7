"""Collected by ``pytest --pyargs scim_harness.conformance``: one test item per conformance check.

The ``scim_harness`` pytest plugin (:mod:`conformance.plugin`) turns :data:`scim_checks` into
the items; see that module for the options.
"""

from __future__ import annotations

from scim_harness.conformance.plugin import ScimChecks

__all__ = ["scim_checks"]

scim_checks = ScimChecks()
