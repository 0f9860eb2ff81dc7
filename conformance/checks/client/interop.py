"""Client checks of the SCIM 2.0 Interoperability Profile (``check client --profile interop``).

IETF draft-zollner-scim-interop-profile-01 narrows what an IdP acting as a SCIM client may
send: the SCIM media type and a User-Agent on every request, only ``eq`` and ``and`` in
filters, PATCH (never PUT) with a ``path`` on every operation, values shaped like their path,
``type`` values from the attribute's canonical values, no conditional headers. Each check
cites its section; levels follow the draft's keywords. They run only under ``--profile
interop`` (elsewhere they are skipped with that reason).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.profiles import INTEROP, INTEROP_AREA
from scim_harness.conformance.traffic.body import PatchOperation, ci_get, patch_operations
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.protocol.grammar import (
    And,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    parse_filter,
    parse_patch_path,
)
from scim_harness.reference_server.protocol.schema import Attribute, ResourceType, resource_type

__all__: list[str] = []

DRAFT = "draft-zollner-scim-interop-profile-01"
_RESOURCES = ("Users", "Groups")
_CONDITIONAL = ("if-match", "if-none-match", "if-modified-since", "if-unmodified-since")


def _iop(number: int, level: str, section: str, claim: str, fix: str) -> Callable[..., Any]:
    return client_check(
        f"CLI-IOP-{number:03d}",
        level=level,
        area=INTEROP_AREA,
        reference=f"{DRAFT} §{section}",
        claim=claim,
        fix=fix,
        profiles=(INTEROP,),
    )


def _rtype(record: Record) -> ResourceType:
    return resource_type("User" if record.endpoint == "Users" else "Group")


def _on_resources(traffic: Traffic) -> Iterator[Record]:
    return (r for r in traffic if r.endpoint in _RESOURCES)


@_iop(
    1,
    "MUST",
    "6.1",
    "Known resources are addressed as /{endpoint}/{id}, never by userName, displayName or "
    "another attribute in the path.",
    "Keep the id the server returned and use /Users/{id}; find a resource by any other value "
    'with GET /Users?filter=userName eq "..."',
)
def addressed_by_id(traffic: Traffic) -> None:
    evidence = Evidence("requests on one resource")
    names: set[str] = set()
    ids: set[str] = set()
    for record in traffic:
        for item in _resources_in(record.response):
            rid = item.get("id")
            if isinstance(rid, str):
                ids.add(rid)
        if record.is_create("Users") or record.is_create("Groups"):
            for key in ("userName", "displayName", "externalId"):
                value = ci_get(record.body, key)
                if isinstance(value, str):
                    names.add(value)
        if record.endpoint in _RESOURCES and record.resource_id is not None:
            segment = record.resource_id
            if segment in names and segment not in ids:
                evidence.bad(record, f"the path names {segment!r}, an attribute value, not an id")
            else:
                evidence.ok(record)
    evidence.conclude("no request on a single user or group")


def _resources_in(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    listed = body.get("Resources")
    if isinstance(listed, list):
        return [item for item in listed if isinstance(item, dict)]
    return [body]


@_iop(
    2,
    "MUST",
    "6.2",
    "Every request that carries SCIM data says Content-Type: application/scim+json.",
    "Send 'Content-Type: application/scim+json' on every POST, PUT and PATCH body.",
)
def scim_content_type(traffic: Traffic) -> None:
    evidence = Evidence("requests with a body")
    for record in traffic:
        if not record.has_body or record.method not in ("POST", "PUT", "PATCH"):
            continue
        media = (record.content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/scim+json":
            evidence.ok(record)
        else:
            evidence.bad(record, f"Content-Type is {record.content_type!r}")
    evidence.conclude("no request with a body")


@_iop(
    3,
    "MUST",
    "6.2",
    "Every request carries a User-Agent header that names the client.",
    "Send a User-Agent naming your client and its version on every request.",
)
def user_agent(traffic: Traffic) -> None:
    evidence = Evidence("requests")
    for record in traffic:
        agent = record.headers.get("user-agent", "").strip()
        evidence.judge(record, None if agent else "no User-Agent header")
    evidence.conclude("no request in the traffic")


def _operator_problems(node: Filter) -> list[str]:
    if isinstance(node, Compare):
        return [] if node.op.lower() == "eq" else [f"operator {node.op}"]
    if isinstance(node, And):
        return _operator_problems(node.left) + _operator_problems(node.right)
    if isinstance(node, ValuePath):
        return _operator_problems(node.filter)
    if isinstance(node, Or):
        return ["operator or", *_operator_problems(node.left), *_operator_problems(node.right)]
    if isinstance(node, Not):
        return ["operator not", *_operator_problems(node.inner)]
    if isinstance(node, Present):
        return ["operator pr"]
    return []


@_iop(
    4,
    "MUST",
    "6.3",
    "Filters use only the eq and and operators, and only on GET (never in the URI of a "
    "PATCH, PUT, POST or DELETE).",
    "Look resources up with eq (joined by and) in a GET query; other operators are not "
    "required of servers under the profile.",
)
def filter_operators(traffic: Traffic) -> None:
    evidence = Evidence("filters")
    for record in _on_resources(traffic):
        text = record.param("filter")
        if text is None and record.search:
            text = ci_get(record.body, "filter")
        if not isinstance(text, str):
            continue
        if record.method != "GET" and not record.search:
            evidence.bad(record, f"a filter in the URI of a {record.method}")
            continue
        try:
            tree = parse_filter(text, _rtype(record))
        except ScimError:
            continue  # an unreadable filter is CLI-LOOK's business
        problems = _operator_problems(tree)
        evidence.judge(record, f"{', '.join(problems)} in {text!r}" if problems else None)
    evidence.conclude("no filter in the traffic")


@_iop(
    5,
    "MUST",
    "6.5",
    "Resources are updated with PATCH; the client never sends PUT.",
    "Send the changed attributes as a PATCH (one operation per attribute path) instead of "
    "replacing the whole resource with PUT.",
)
def no_put(traffic: Traffic) -> None:
    evidence = Evidence("updates")
    for record in _on_resources(traffic):
        if record.method == "PUT":
            evidence.bad(record, "PUT")
        elif record.method == "PATCH":
            evidence.ok(record)
    evidence.conclude("no update (PATCH or PUT) in the traffic")


def _patches(traffic: Traffic) -> Iterator[Record]:
    return (r for r in _on_resources(traffic) if r.method == "PATCH")


@_iop(
    6,
    "MUST",
    "6.5.1.1, 6.5.1.2",
    "Every PATCH operation names its target with a path: no path-less operation whose value "
    "object implies the attributes, one operation per attribute path.",
    'Send {"op": "replace", "path": "active", "value": false} rather than '
    '{"op": "replace", "value": {"active": false}}.',
)
def every_op_has_path(traffic: Traffic) -> None:
    evidence = Evidence("PATCH operations")
    for record in _patches(traffic):
        for op in patch_operations(record.body):
            has_path = isinstance(op.path, str) and op.path.strip() != ""
            evidence.judge(record, None if has_path else f"{op.where()}: no path")
    evidence.conclude("no PATCH operation in the traffic")


def _target(record: Record, op: PatchOperation) -> tuple[Attribute | None, bool, bool]:
    """(attribute of the path, the path has a value filter, it ends in a sub-attribute)."""
    rtype = _rtype(record)
    try:
        path = parse_patch_path(str(op.path), rtype)
    except ScimError:
        return None, False, False
    schema = rtype.schema_for(path.attr.uri) if path.attr.uri else None
    if schema is not None:
        attr = schema.attributes.get(path.attr.attr.lower())
    else:
        attr = rtype.top_attribute(path.attr.attr)
    sub = path.sub is not None or path.attr.sub is not None
    return attr, path.value_filter is not None, sub


def _value_problem(record: Record, op: PatchOperation) -> str | None:
    if not isinstance(op.path, str) or op.kind not in ("add", "replace", "remove"):
        return None
    attr, filtered, sub = _target(record, op)
    if attr is None:
        return None
    where = f"{op.where()} ({op.kind} {op.path})"
    if filtered and not sub and attr.is_complex and op.kind != "remove":
        # A remove is not judged: the draft gives no other way to remove one member than
        # RFC 7644 §3.5.2.2's members[value eq "..."], so the rule is read as one on writes.
        return f"{where}: a filtered path must end in a sub-attribute (§6.5.2.2)"
    if op.kind == "remove" or filtered or sub:
        return None
    if attr.multi_valued and not isinstance(op.value, list):
        return f"{where}: a multi-valued attribute takes an array, got {op.value!r:.60}"
    if attr.is_complex and not attr.multi_valued and not isinstance(op.value, dict):
        return f"{where}: a complex attribute takes an object, got {op.value!r:.60}"
    return None


@_iop(
    7,
    "MUST",
    "6.5.2.1, 6.5.2.2",
    "PATCH values fit their path: an array for a whole multi-valued attribute, an object for "
    "a whole complex one, and a filtered path ends in a sub-attribute "
    '(emails[type eq "work"].value, never emails[type eq "work"]).',
    "Send emails as [{...}], name as {...}, and target one element's sub-attribute: "
    'path emails[type eq "work"].value.',
)
def values_fit_paths(traffic: Traffic) -> None:
    evidence = Evidence("PATCH operations with a path")
    for record in _patches(traffic):
        for op in patch_operations(record.body):
            if isinstance(op.path, str):
                evidence.judge(record, _value_problem(record, op))
    evidence.conclude("no PATCH operation with a path in the traffic")


def _typed_values(rtype: ResourceType, body: Any) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(attribute, type sent, canonical values) for each typed element of a body."""
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        attr = rtype.top_attribute(str(key))
        kind = attr.sub("type") if attr is not None else None
        if attr is None or kind is None or not kind.canonical_values:
            continue
        for item in value if isinstance(value, list) else [value]:
            sent = ci_get(item, "type")
            if isinstance(sent, str):
                yield attr.name, sent, kind.canonical_values


@_iop(
    8,
    "MUST",
    "5.4",
    "type values (emails, phoneNumbers, addresses, ims, photos) are among the attribute's "
    "canonicalValues as /Schemas declares them (the reference server declares RFC 7643's).",
    "Use only the type values the server lists in canonicalValues, e.g. work, home, other "
    "for emails.",
)
def canonical_types(traffic: Traffic) -> None:
    evidence = Evidence("typed values sent")
    for record in _on_resources(traffic):
        rtype = _rtype(record)
        bodies: list[Any] = []
        if record.method in ("POST", "PUT") and not record.search:
            bodies.append(record.body)
        elif record.method == "PATCH":
            for op in patch_operations(record.body):
                if isinstance(op.path, str) and "[" not in op.path and "." not in op.path:
                    bodies.append({op.path: op.value})
                elif op.path is None:
                    bodies.append(op.value)
        for body in bodies:
            for name, sent, allowed in _typed_values(rtype, body):
                bad = sent not in allowed
                why = f"{name}.type {sent!r} is not one of {', '.join(allowed)}" if bad else None
                evidence.judge(record, why)
    evidence.conclude("no typed value (emails, phoneNumbers...) sent")


@_iop(
    9,
    "MUST",
    "6.7",
    "Requests carry no conditional headers (If-Match, If-None-Match, If-Modified-Since, "
    "If-Unmodified-Since).",
    "Drop ETag-based conditions: under the profile servers need not support them.",
)
def no_conditional_headers(traffic: Traffic) -> None:
    evidence = Evidence("requests")
    for record in _on_resources(traffic):
        sent = [name for name in _CONDITIONAL if name in record.headers]
        evidence.judge(record, f"sends {', '.join(sent)}" if sent else None)
    evidence.conclude("no request on users or groups")


@_iop(
    10,
    "SHOULD",
    "7.2",
    "The client does not authenticate with HTTP Basic (NOT RECOMMENDED).",
    "Use a bearer token (RFC 6750) or OAuth client credentials instead of Basic.",
)
def no_basic_auth(traffic: Traffic) -> None:
    evidence = Evidence("authenticated requests")
    for record in traffic:
        value = record.headers.get("authorization", "")
        if not value:
            continue
        basic = value.split(" ", 1)[0].lower() == "basic"
        evidence.judge(record, "Authorization: Basic" if basic else None)
    evidence.conclude("no authenticated request")
