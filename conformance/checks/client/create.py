"""Client checks on what a create (or a full replace) carries.

The platform requires six user attributes on every create and replace (its default mapping:
``userName``, ``name.givenName``, ``name.familyName``, a ``type: "work"`` e-mail,
``displayName`` and ``active``); one check each, so a report names exactly what is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scim_harness.conformance.checks import client_check
from scim_harness.conformance.checks.client.support import Evidence
from scim_harness.conformance.traffic.body import as_boolean, ci_get, ci_has, ci_path
from scim_harness.conformance.traffic.recording import Traffic
from scim_harness.conformance.traffic.records import Record
from scim_harness.reference_server.protocol.schema import ResourceType, resource_type

__all__ = [
    "external_id_on_creates",
    "no_client_id",
    "schemas_match",
]

Judge = Callable[[Any], str | None]
"""Reads a body; says what is wrong with it, or None."""


def _user_writes(traffic: Traffic) -> list[Record]:
    """POST /Users and PUT /Users/{id}: the requests that carry a whole user."""
    return [
        r for r in traffic if r.is_create("Users") or (r.method == "PUT" and r.is_resource("Users"))
    ]


def _text(path: str) -> Judge:
    def judge(body: Any) -> str | None:
        value = ci_path(body, path)
        if value is None:
            return f"no {path}"
        if not isinstance(value, str):
            return f"{path} is {value!r}, not a string"
        return f"{path} is empty" if not value.strip() else None

    return judge


def _email_items(body: Any) -> list[Any]:
    emails = ci_get(body, "emails")
    if isinstance(emails, dict):  # one object instead of an array: CLI-CRT-007 reports it
        return [emails]
    return list(emails) if isinstance(emails, list) else []


def _work_email(body: Any) -> str | None:
    items = _email_items(body)
    if not items:
        return "no emails"
    for item in items:
        kind, value = ci_get(item, "type"), ci_get(item, "value")
        if isinstance(kind, str) and kind.lower() == "work":
            return None if isinstance(value, str) and value.strip() else 'the "work" email is empty'
    types = sorted({str(ci_get(i, "type")) for i in items if ci_has(i, "type")})
    shown = ", ".join(types) if types else "no type at all"
    return f'no email with type "work" ({shown})'


def _active(body: Any) -> str | None:
    if not ci_has(body, "active") or ci_get(body, "active") is None:
        return "no active"
    # A string "true" is present: CLI-BOOL-001 reports the type.
    value = ci_get(body, "active")
    return None if as_boolean(value) is not None else f"active is {value!r}, not a boolean"


_REQUIRED: tuple[tuple[str, str, str, Judge], ...] = (
    ("CLI-CRT-001", "userName", "username", _text("userName")),
    ("CLI-CRT-002", "name.givenName", "firstName", _text("name.givenName")),
    ("CLI-CRT-003", "name.familyName", "lastName", _text("name.familyName")),
    ("CLI-CRT-004", 'emails[type eq "work"].value', "email", _work_email),
    ("CLI-CRT-005", "displayName", "displayName", _text("displayName")),
    ("CLI-CRT-006", "active", "status", _active),
)


def _required_check(path: str, judge: Judge) -> Callable[[Traffic], None]:
    def check(traffic: Traffic) -> None:
        evidence = Evidence("user creates and replaces")
        for record in _user_writes(traffic):
            if not isinstance(record.body, dict):
                evidence.bad(record, "the body is not a JSON object")
            else:
                evidence.judge(record, judge(record.body))
        evidence.conclude("no POST /Users or PUT /Users/{id} in the traffic")

    check.__name__ = f"required_{path.split('[')[0].replace('.', '_')}"
    check.__doc__ = f"Every user create and replace carries {path}."
    return check


def _register_required() -> None:
    for check_id, path, platform, judge in _REQUIRED:
        client_check(
            check_id,
            level="MUST",
            area="create",
            reference="Platform: required attribute mapping; RFC 7643 §4.1",
            claim=(
                f"Every user create and replace carries {path} "
                f"(mapped to the required platform attribute {platform!r})."
            ),
            fix=(
                f"Map a source attribute to {path} and send it, non-empty, in every POST /Users "
                f"and PUT /Users/{{id}}; the platform refuses a user without it "
                f"(400 invalidValue naming {path})."
            ),
        )(_required_check(path, judge))


_register_required()


@client_check(
    "CLI-CRT-008",
    level="MUST",
    area="create",
    reference="RFC 7643 §3.1",
    claim="A create never carries an 'id': the service provider issues it.",
    fix=(
        "Remove 'id' from POST bodies; keep your own identifier in 'externalId' and store the "
        "'id' the server answers with."
    ),
)
def no_client_id(traffic: Traffic) -> None:
    evidence = Evidence("creates")
    for record in traffic:
        if not (record.is_create("Users") or record.is_create("Groups")):
            continue
        if ci_has(record.body, "id"):
            evidence.bad(record, f"the body sets id to {ci_get(record.body, 'id')!r}")
        else:
            evidence.ok(record)
    evidence.conclude("no POST /Users or POST /Groups in the traffic")


def _schema_problems(body: Any, rtype: ResourceType) -> list[str]:
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    schemas = ci_get(body, "schemas")
    if not isinstance(schemas, list) or not schemas:
        return ["no schemas array"]
    listed = {s.lower() for s in schemas if isinstance(s, str)}
    known = {s.lower() for s in rtype.schema_ids}
    problems: list[str] = []
    if rtype.schema.id.lower() not in listed:
        problems.append(f"schemas does not list {rtype.schema.id}")
    problems += [
        f"schemas lists {s!r}, not a schema of {rtype.name}"
        for s in schemas
        if not isinstance(s, str) or s.lower() not in known
    ]
    for key in body:
        if not isinstance(key, str) or key.lower() == "schemas":
            continue
        if key.lower().startswith("urn:"):
            if key.lower() not in known:
                problems.append(f"{key!r} is not an extension of {rtype.name}")
            elif key.lower() not in listed:
                problems.append(f"extension {key} is used but not listed in schemas")
        elif rtype.top_attribute(key) is None:
            problems.append(f"{key!r} is not an attribute of {rtype.name}")
    return problems


@client_check(
    "CLI-CRT-009",
    level="MUST",
    area="create",
    reference="RFC 7643 §3",
    claim="'schemas' lists the resource's core schema and every extension used, and nothing else.",
    fix=(
        'Send schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] (add the enterprise URN '
        "when you send enterprise attributes) and only attributes those schemas define."
    ),
)
def schemas_match(traffic: Traffic) -> None:
    evidence = Evidence("creates and replaces")
    for record in traffic:
        if record.endpoint not in ("Users", "Groups") or record.search:
            continue
        whole = record.method == "POST" and record.resource_id is None
        whole = whole or (record.method == "PUT" and record.resource_id is not None)
        findings = record.finding_details("LENIENT-UNKNOWN-SCHEMA")
        findings += record.finding_details("LENIENT-UNKNOWN-ATTRIBUTE")
        if not whole and not findings:
            continue
        rtype = resource_type("User" if record.endpoint == "Users" else "Group")
        problems = (_schema_problems(record.body, rtype) if whole else []) or findings
        if problems:
            evidence.bad(record, "; ".join(problems))
        else:
            evidence.ok(record)
    evidence.conclude("no POST or PUT of users or groups in the traffic")


@client_check(
    "CLI-CRT-010",
    level="SHOULD",
    area="create",
    reference="RFC 7643 §3.1 (externalId)",
    claim="Every user create carries a non-empty externalId: the client's own identifier.",
    fix=(
        "Send your own stable identifier of the person (the source app's user id) as "
        "externalId in every POST /Users. It is what lets you find the user again by filter "
        '(externalId eq "...") and re-link it after a rename, a lost id or a re-import; the '
        "server never issues it."
    ),
)
def external_id_on_creates(traffic: Traffic) -> None:
    # RFC 7643 §3.1 lets a resource carry externalId ("MAY"); the harness asks for it (SHOULD)
    # because without it the source cannot re-link a user whose server id it lost.
    evidence = Evidence("user creates")
    for record in traffic:
        if not record.is_create("Users"):
            continue
        value = ci_get(record.body, "externalId")
        if not isinstance(value, str) or not value.strip():
            evidence.bad(record, "no externalId" if value is None else f"externalId is {value!r}")
        else:
            evidence.ok(record)
    evidence.conclude("no POST /Users in the traffic")
