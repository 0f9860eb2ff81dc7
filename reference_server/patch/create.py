"""A value filter that matches nothing: noTarget, or (lenient ``add``) the value it describes.

RFC 7644 §3.5.2.3 settles ``replace``: a value filter with no match is 400 noTarget. For
``add`` the RFC says nothing about value filters. Entra ID sends
``{"op": "Add", "path": "emails[type eq \\"work\\"].value", "value": "..."}`` to give a user
their first work email, expecting the value to be created. Lenient mode does that when the
filter pins the new value down (``eq`` comparisons joined by ``and``) and records
LENIENT-ADD-FILTER-CREATES; strict mode answers noTarget, as for ``replace``.
"""

from __future__ import annotations

from typing import Any

from scim_harness.reference_server.patch.targets import Target
from scim_harness.reference_server.protocol.errors import NoTarget
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import Attribute
from scim_harness.reference_server.query.filters import And, Compare, Filter

__all__ = ["created_by_filter", "filter_equalities"]


def filter_equalities(node: Filter, attr: Attribute) -> dict[str, Any] | None:
    """``type eq "work" and display eq "W"`` as ``{"type": "work", "display": "W"}``.

    None when the filter is anything else (``ne``, ``or``, ``pr``, a null value, a
    sub-attribute ``attr`` does not define or the client may not set...), since a new value
    could not be built from it.
    """
    if isinstance(node, And):
        left = filter_equalities(node.left, attr)
        right = filter_equalities(node.right, attr)
        if left is None or right is None:
            return None
        for key in left.keys() & right.keys():
            if left[key] != right[key]:
                return None
        return {**left, **right}
    if (
        isinstance(node, Compare)
        and node.op == "eq"
        and node.value is not None
        and node.path.uri is None
        and node.path.sub is None
    ):
        sub = attr.sub(node.path.attr)
        if sub is None or sub.mutability == "readOnly":
            return None
        return {sub.name: node.value}
    return None


def created_by_filter(op: str, target: Target, where: str, findings: Findings) -> dict[str, Any]:
    """The new value an unmatched ``add`` creates; otherwise raise noTarget."""
    if target.attr is None or target.value_filter is None:
        msg = f"{where}: the path matches no value"
        raise NoTarget(msg)
    msg = f"{where}: no value of {target.attr.name} matches the path"
    if op != "add":
        raise NoTarget(msg)
    values = filter_equalities(target.value_filter, target.attr)
    if values is None:
        msg = f"{msg}, and its filter does not describe a new value"
        raise NoTarget(msg)
    findings.tolerate(
        "LENIENT-ADD-FILTER-CREATES",
        f"{where}: add at a value filter that matches nothing; lenient mode creates {values!r}",
        NoTarget,
    )
    return dict(values)
