"""``POST /Bulk`` (RFC 7644 §3.7): many resource operations in one request.

The envelope is checked first and refused as a whole (400 ``invalidSyntax``; 413 past
``maxOperations``; the pipeline refuses a body past ``maxPayloadSize`` before it is read).
Then each operation runs through the same :class:`~reference_server.resources.core.Resources`
methods as the single endpoints, in its own store transaction: a failed operation changes
nothing, the ones before it stay applied, and its error goes into its entry of the
BulkResponse. ``failOnErrors`` stops the run after that many failed operations; the rest are
not processed and not reported. ``bulkId`` references and the order operations run in are
described in :mod:`reference_server.patch.bulk_plan`.

Each operation's findings join the request's findings, their detail prefixed with the
operation's place in the request (``Operations[2]: ...``); the request is recorded once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from scim_harness.reference_server.http.edge import internal_error_response, scim_response
from scim_harness.reference_server.http.pipeline import Call, Server
from scim_harness.reference_server.patch import bulk_plan
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.errors import (
    Conflict,
    InvalidPath,
    InvalidSyntax,
    NotFound,
    PayloadTooLarge,
    ScimError,
)
from scim_harness.reference_server.protocol.findings import Findings
from scim_harness.reference_server.protocol.schema import ResourceType, resource_types
from scim_harness.reference_server.settings import ServerSettings
from starlette.responses import Response

__all__ = [
    "BULK_REQUEST",
    "BULK_RESPONSE",
    "BulkOperation",
    "BulkRequest",
    "bulk",
    "payload_limit",
    "read_bulk_request",
]

log = logging.getLogger("scim_harness.server")

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
_ENVELOPE = ("schemas", "failOnErrors", "Operations")
_OPERATION = ("method", "bulkId", "version", "path", "data")


def payload_limit(settings: ServerSettings) -> int:
    """The body limit of ``/Bulk``: maxPayloadSize (RFC 7644 §3.7.4), not the general one."""
    return settings.max_bulk_payload


@dataclass(frozen=True)
class BulkOperation:
    """One checked entry of ``Operations``, with the bulkIds it refers to."""

    index: int
    method: str
    path: str
    bulk_id: str | None
    version: str | None
    data: dict[str, Any] | None
    references: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"Operations[{self.index}]"


@dataclass(frozen=True)
class BulkRequest:
    fail_on_errors: int | None
    operations: list[BulkOperation]


def _canonical(obj: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Member names in their defined case (RFC 7643 §2.1: attribute names are case-insensitive)."""
    by_lower = {n.lower(): n for n in names}
    return {by_lower.get(k.lower(), k): v for k, v in obj.items()}


def read_bulk_request(body: Any, max_operations: int) -> BulkRequest:
    """Check a BulkRequest as a whole (RFC 7644 §3.7); raise ScimError to refuse it."""
    if not isinstance(body, dict):
        msg = "a /Bulk body must be a BulkRequest JSON object"
        raise InvalidSyntax(msg)
    body = _canonical(body, _ENVELOPE)
    raw = body.get("Operations")
    if isinstance(raw, list):
        raw = [_canonical(o, _OPERATION) if isinstance(o, dict) else o for o in raw]
        body["Operations"] = raw
        if len(raw) > max_operations:
            # RFC 7644 §3.7.4: 413, and the body names the limit exceeded.
            msg = f"The number of operations exceeds the maxOperations ({max_operations})."
            raise PayloadTooLarge(msg)
    jsonschemas.check("bulk-request", body, InvalidSyntax)
    operations: list[BulkOperation] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw or []):
        bulk_id = item.get("bulkId")
        if bulk_id is not None:
            if bulk_id in seen:
                # RFC 7644 §3.7: a bulkId is unique within a bulk request.
                msg = (
                    f"Operations[{index}]: bulkId {bulk_id!r} is already used by "
                    f"Operations[{seen[bulk_id]}]; each bulkId must be unique in the request"
                )
                raise InvalidSyntax(msg)
            seen[bulk_id] = index
        path: str = item["path"]
        data = item.get("data") if item["method"] != "DELETE" else None
        refs = bulk_plan.references([path.rsplit("/", 1)[-1], data])
        operations.append(
            BulkOperation(
                index=index,
                method=item["method"],
                path=path,
                bulk_id=bulk_id,
                version=item.get("version"),
                data=data,
                references=tuple(refs),
            )
        )
    return BulkRequest(body.get("failOnErrors"), operations)


def bulk(call: Call) -> Response:
    """POST /Bulk (RFC 7644 §3.7): 200 with a BulkResponse of every processed operation."""
    call.check_params(set())
    server = call.server
    request = read_bulk_request(call.json(), server.settings.max_bulk_operations)
    results = _Run(call, server).run(request)
    return scim_response({"schemas": [BULK_RESPONSE], "Operations": results})


class _Run:
    """The operations of one BulkRequest, run one by one."""

    def __init__(self, call: Call, server: Server) -> None:
        self.call = call
        self.server = server
        self.created: dict[str, str] = {}
        self.failed: dict[str, str] = {}

    def run(self, request: BulkRequest) -> list[dict[str, Any]]:
        ops = request.operations
        order = bulk_plan.plan(
            [o.bulk_id if o.method == "POST" else None for o in ops],
            [o.references for o in ops],
        )
        results: dict[int, dict[str, Any]] = {}
        errors = 0
        for index in order.order:
            if request.fail_on_errors is not None and errors >= request.fail_on_errors:
                # RFC 7644 §3.7.3: after failOnErrors errors the rest is not processed.
                break
            result = self._one(ops[index], index in order.circular)
            if int(result["status"]) >= 400:
                errors += 1
            results[index] = result
        # RFC 7644 §3.7.3: the response holds the result of every processed operation.
        return [results[i] for i in sorted(results)]

    def _one(self, op: BulkOperation, circular: bool) -> dict[str, Any]:
        findings = Findings(lenient=self.call.findings.lenient)
        result: dict[str, Any] = {"method": op.method}
        if op.bulk_id is not None:
            result["bulkId"] = op.bulk_id
        path = op.path
        try:
            if circular:
                msg = (
                    f"bulkId {op.bulk_id!r} is part of a circular reference between "
                    "operations of this request; the server does not resolve it"
                )
                raise Conflict(msg)
            ids = self._resolve(op)
            path = _resolved_path(op.path, ids)
            data = bulk_plan.substitute(op.data, ids) if op.references else op.data
            rtype, rid = _target(op.method, path)
            # Each operation is its own transaction: a failure changes nothing, and the
            # operations before it stay applied (RFC 7644 §3.7.3: partial failures are kept).
            with self.server.store.transaction():
                outcome = self._execute(op, rtype, rid, data, findings)
            if op.method == "POST" and op.bulk_id is not None:
                self.created[op.bulk_id] = outcome.pop("id")
            result.update(outcome)
        except ScimError as error:
            self._failed(op, result, path, error.status, self.call.scrubbed(error.body()))
            parts = (str(error.status), error.scim_type, error.detail)
            findings.note("REJECTED", " ".join(p for p in parts if p))
        except Exception:
            log.exception("unhandled error in %s of a /Bulk request", op.where)
            self._failed(op, result, path, 500, json.loads(bytes(internal_error_response().body)))
            findings.note("REJECTED", "500 internal server error")
        for item in findings.items:
            self.call.findings.note(item.id, f"{op.where}: {item.detail}")
        return result

    def _failed(
        self, op: BulkOperation, result: dict[str, Any], path: str, status: int, body: Any
    ) -> None:
        if op.method == "POST":
            if op.bulk_id is not None:
                self.failed[op.bulk_id] = op.where
        else:
            # RFC 7644 §3.7.3: location is given for every operation but a failed POST.
            result["location"] = self.call.app.base_url + ("" if path.startswith("/") else "/")
            result["location"] += path
        result["status"] = str(status)
        # RFC 7644 §3.7.3: a failed operation carries the §3.12 error body as its response.
        result["response"] = body

    def _resolve(self, op: BulkOperation) -> dict[str, str]:
        ids: dict[str, str] = {}
        for ref in op.references:
            rid = self.created.get(ref)
            if rid is None:
                why = (
                    f"its POST ({self.failed[ref]}) failed"
                    if ref in self.failed
                    else "no POST operation of this request has that bulkId"
                )
                # RFC 7644 §3.7.2: an unresolvable bulkId reference is a 409 conflict.
                msg = f"bulkId {ref!r} cannot be resolved: {why}"
                raise Conflict(msg)
            ids[ref] = rid
        return ids

    def _execute(
        self,
        op: BulkOperation,
        rtype: ResourceType,
        rid: str,
        data: Any,
        findings: Findings,
    ) -> dict[str, Any]:
        """Run one operation through the single endpoints' Resources methods."""
        app = self.call.app
        resources = self.server.resources
        if op.method == "POST":
            created = resources.create(app, rtype, data, findings).resource
            # RFC 7644 §3.7.3: status as the single request would have answered it.
            return _success(created, "201") | {"id": created["id"]}
        if op.method == "PUT":
            replaced = resources.replace(app, rtype, rid, data, findings, if_match=op.version)
            return _success(replaced.resource, "200")
        if op.method == "PATCH":
            patched = resources.patch(app, rtype, rid, data, findings, if_match=op.version)
            if patched.deleted:
                return {"location": app.location(rtype, rid), "status": "204"}
            settings = app.settings
            status = (
                settings.user_patch_status if rtype.name == "User" else settings.group_patch_status
            )
            return _success(patched.resource, str(status))
        resources.delete(app, rtype, rid, findings, if_match=op.version)
        # RFC 7644 §3.6: 204 on delete.
        return {"location": app.location(rtype, rid), "status": "204"}


def _success(resource: dict[str, Any], status: str) -> dict[str, Any]:
    meta = resource["meta"]
    # RFC 7644 §3.7.3: for normal completion the response body MAY be omitted; it is.
    return {"location": meta["location"], "version": meta["version"], "status": status}


def _resolved_path(path: str, ids: dict[str, str]) -> str:
    """``/Groups/bulkId:q`` with the id of the resource created as ``q`` (RFC 7644 §3.7.2)."""
    head, sep, last = path.rpartition("/")
    resolved: str = bulk_plan.substitute(last, ids)
    return head + sep + resolved


def _target(method: str, path: str) -> tuple[ResourceType, str]:
    """The resource type and id an operation's path names (RFC 7644 §3.7)."""
    segments = path.split("/")
    if not path.startswith("/") or len(segments) not in (2, 3) or "" in segments[1:]:
        msg = f"path {path!r} must be a resource endpoint (/Users) or a resource (/Users/{{id}})"
        raise InvalidPath(msg)
    endpoint = "/" + segments[1]
    rtype = next((r for r in resource_types().values() if r.endpoint == endpoint), None)
    if rtype is None:
        msg = f"no resource endpoint {endpoint!r}"
        raise NotFound(msg)
    rid = segments[2] if len(segments) == 3 else ""
    if method == "POST" and rid:
        # RFC 7644 §3.7: the path of a POST is a resource type endpoint, e.g. /Users.
        msg = f"POST path must be a resource endpoint such as {endpoint}, not {path!r}"
        raise InvalidPath(msg)
    if method != "POST" and not rid:
        msg = f"{method} path must name one resource, e.g. {endpoint}/{{id}}, not {path!r}"
        raise InvalidPath(msg)
    return rtype, rid
