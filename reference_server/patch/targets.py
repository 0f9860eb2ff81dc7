"""PATCH targets: a ``path`` (RFC 7644 §3.10) resolved against a resource type's schemas.

The grammar is ``reference_server.query.filters``' business (``parse_patch_path``); this module
turns its answer into the attribute definitions the PATCH engine writes to, and refuses
targets no operation may touch (read-only attributes) with ``mutability``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_harness.reference_server.protocol.errors import InvalidPath, Mutability
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, Schema
from scim_harness.reference_server.query.filters import Filter, parse_patch_path

__all__ = ["Target", "check_writable", "resolve_path"]


@dataclass(frozen=True)
class Target:
    """Where one PATCH operation applies."""

    path: str
    """The path as the client sent it, for messages."""
    extension: Schema | None
    """The extension schema whose object holds the attribute; None for core/common ones."""
    attr: Attribute | None
    """The top-level attribute; None when the path is a bare extension URN (the whole object)."""
    value_filter: Filter | None = None
    """``emails[type eq "work"]``: which values of a multi-valued attribute."""
    sub: Attribute | None = None
    """``name.familyName`` or ``emails[...].value``: the sub-attribute."""


def resolve_path(rtype: ResourceType, text: str) -> Target:
    """The target of ``path`` on a resource of ``rtype``; invalidPath when it names nothing."""
    stripped = text.strip()
    if not stripped:
        msg = "path is empty; omit it to target the resource itself"
        raise InvalidPath(msg)
    # RFC 7644 §3.10: a bare extension URN addresses the extension's whole object. The ABNF
    # would read its last segment as an attribute name ("...:2.0:User"), so it is taken first.
    ext = rtype.extension(stripped)
    if ext is not None:
        return Target(path=text, extension=ext, attr=None)
    parsed = parse_patch_path(stripped, rtype)
    extension: Schema | None = None
    if parsed.attr.uri is None:
        attr = rtype.top_attribute(parsed.attr.attr)
    else:
        schema = rtype.schema_for(parsed.attr.uri)
        if schema is None:
            msg = f"{text}: {parsed.attr.uri} is not a schema of the {rtype.name} resource type"
            raise InvalidPath(msg)
        if schema is rtype.schema:
            attr = rtype.top_attribute(parsed.attr.attr)
        else:
            extension = schema
            attr = schema.attribute(parsed.attr.attr)
    if attr is None:
        # RFC 7644 §3.5.2.3 "treat the operation as an add" covers a defined attribute with no
        # value; an attribute no schema defines cannot be given one (§3.5.2: operations MUST be
        # compatible with the schema), so its path is invalid (§3.12 invalidPath), not noTarget.
        msg = f"{text}: {parsed.attr.attr!r} is not an attribute of the {rtype.name} resource type"
        raise InvalidPath(msg)
    if parsed.attr.sub is not None and parsed.sub is not None:
        msg = f"{text}: a path names at most one sub-attribute"
        raise InvalidPath(msg)
    sub_name = parsed.attr.sub if parsed.attr.sub is not None else parsed.sub
    sub: Attribute | None = None
    if sub_name is not None:
        sub = attr.sub(sub_name) if attr.is_complex else None
        if sub is None:
            msg = f"{text}: {attr.name} has no sub-attribute {sub_name!r}"
            raise InvalidPath(msg)
    if parsed.value_filter is not None and not (attr.multi_valued and attr.is_complex):
        msg = f"{text}: a value filter needs a multi-valued complex attribute; {attr.name} is not"
        raise InvalidPath(msg)
    return Target(
        path=text, extension=extension, attr=attr, value_filter=parsed.value_filter, sub=sub
    )


def check_writable(target: Target) -> None:
    """Refuse operations on read-only targets (RFC 7644 §3.5.2: a client MUST NOT modify them)."""
    for attr in (target.attr, target.sub):
        if attr is not None and attr.mutability == "readOnly":
            msg = (
                f"{target.path}: {attr.name} is read-only (RFC 7643 §2.2); no operation may set it"
            )
            raise Mutability(msg)
