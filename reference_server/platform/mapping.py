"""Attribute mappings: how an app's SCIM resources become the platform's directory records.

A mapping is data (``fixtures/mappings/*.json``, described by ``mapping.schema.json``): rows
of ``{platform, scim, required, transform?}`` for Users and for Groups, plus options. It is
checked once, when it is loaded or stored, and refused with a message naming the row
(``users[3] (platform "email"): ...``): the JSON Schema, every row's SCIM path (it must parse
and name one simple value of the resource type), unique platform names, and the rows the
platform's own records need (``directory-user.schema.json`` and ``directory-group.schema.json``
list them as required; their rows must be ``required: true`` and give the right type).

:class:`PlatformMapping` is the server's platform: on every create, replace and patch it
refuses a resource missing a required attribute and builds the directory record, which must
validate against its JSON Schema before it is stored.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from scim_harness.reference_server.platform.mapping_rows import (
    RowError,
    ScimPath,
    compile_path,
    is_empty,
)
from scim_harness.reference_server.protocol import jsonschemas
from scim_harness.reference_server.protocol.discovery import RequiredPath
from scim_harness.reference_server.protocol.errors import InvalidValue
from scim_harness.reference_server.protocol.schema import (
    ResourceType,
    format_datetime,
    resource_type,
)
from scim_harness.reference_server.resources.core import AppContext, Platform
from scim_harness.reference_server.store.sqlite import SqliteStore

from scim_harness import fixtures

__all__ = [
    "DirectoryRecordError",
    "Mapping",
    "MappingRow",
    "PlatformFields",
    "PlatformMapping",
    "default_mapping",
    "load_mapping_file",
    "mapping_for",
    "mapping_problems",
    "platform_fields",
    "validate_mapping",
]

_MAX_MESSAGES = 20
_SCHEMA_MESSAGE = re.compile(r"^(users|groups)\[(\d+)\](?:\.([^:]*))?: (.*)$", re.DOTALL)


@dataclass(frozen=True)
class PlatformFields:
    """What a directory record's JSON Schema says about the rows a mapping must have."""

    schema: str
    """The JSON Schema name (``directory-user``)."""
    required: dict[str, str]
    """Platform attributes every record needs -> the value type they take."""
    fields: dict[str, str]
    """Every top-level platform attribute a row may fill -> its value type."""
    reserved: frozenset[str]
    """Names the server fills itself (id, members, attributes, updatedAt)."""


def _value_type(prop: dict[str, Any]) -> str:
    # An enum of strings is the user status: only activeToStatus produces its values.
    return "status" if "enum" in prop else str(prop.get("type", "string"))


@cache
def platform_fields(kind: str) -> PlatformFields:
    """The platform attributes of ``users`` or ``groups`` records, read from their JSON Schema."""
    name = "directory-user" if kind == "users" else "directory-group"
    schema = jsonschemas.schema(name)
    reserved = frozenset({"id", "attributes", "updatedAt", "members"})
    props: dict[str, Any] = schema["properties"]
    fields = {k: _value_type(v) for k, v in props.items() if k not in reserved}
    required = {k: fields[k] for k in schema["required"] if k not in reserved}
    return PlatformFields(name, required, fields, reserved)


@dataclass(frozen=True)
class MappingRow:
    """One row: platform attribute <- SCIM path, maybe required, maybe transformed."""

    kind: str
    """``users`` or ``groups``."""
    index: int
    platform: str
    required: bool
    path: ScimPath

    @property
    def scim(self) -> str:
        return self.path.text

    @property
    def label(self) -> str:
        return f'{self.kind}[{self.index}] (platform "{self.platform}")'

    def missing(self) -> str:
        """The refusal detail when a resource has no value for a required row."""
        return f'{self.scim} is required (mapped to platform attribute "{self.platform}")'


@dataclass(frozen=True)
class Mapping:
    """A checked mapping; ``data`` is the JSON it came from (what an app stores)."""

    name: str
    description: str
    users: tuple[MappingRow, ...]
    groups: tuple[MappingRow, ...]
    delete_on_deactivate: bool
    data: dict[str, Any]

    def rows(self, rtype: ResourceType) -> tuple[MappingRow, ...]:
        return self.users if rtype.name == "User" else self.groups

    def required_paths(self) -> list[RequiredPath]:
        """The SCIM attributes the required rows name, for ``/Schemas`` (RFC 7643 §7).

        ``emails[type eq "work"].value`` marks ``emails`` and ``emails.value``: the schema
        language has no way to say "a value of type work", and marking ``type`` required
        would claim every email needs one, which the platform does not ask.
        """
        return [
            RequiredPath(
                row.path.schema,
                row.path.top.name,
                None if row.path.sub is None else row.path.sub.name,
            )
            for row in (*self.users, *self.groups)
            if row.required
        ]


def _row_label(data: Any, kind: str, index: int) -> str:
    rows = data.get(kind) if isinstance(data, dict) else None
    row = rows[index] if isinstance(rows, list) and index < len(rows) else None
    platform = row.get("platform") if isinstance(row, dict) else None
    if isinstance(platform, str) and platform:
        return f'{kind}[{index}] (platform "{platform}")'
    return f"{kind}[{index}]"


def _schema_problems(data: Any) -> list[str]:
    """JSON Schema messages, a row's ones led by the row's label."""
    problems = []
    for message in jsonschemas.validation_errors("mapping", data):
        found = _SCHEMA_MESSAGE.match(message)
        if found is None:
            problems.append(message.replace("(root): ", "mapping: ", 1))
            continue
        kind, index, field, text = found.groups()
        label = _row_label(data, kind, int(index))
        problems.append(f"{label}: {field}: {text}" if field else f"{label}: {text}")
    return problems


def _compile_rows(
    kind: str, rows: list[dict[str, Any]], problems: list[str]
) -> tuple[MappingRow, ...]:
    rtype = resource_type("User" if kind == "users" else "Group")
    fields = platform_fields(kind)
    compiled: list[MappingRow] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        platform: str = row["platform"]
        label = f'{kind}[{index}] (platform "{platform}")'
        if platform in fields.reserved:
            problems.append(f"{label}: {platform!r} is set by the server, not by a mapping row")
            continue
        first = seen.setdefault(platform.lower(), index)
        if first != index:
            problems.append(f"{label}: platform attribute repeats {kind}[{first}]")
            continue
        try:
            path = compile_path(row["scim"], rtype, row.get("transform"))
        except RowError as exc:
            problems.append(f"{label}: {exc}")
            continue
        want = fields.fields.get(platform)
        if want == "status" and path.output_type != "status":
            problems.append(f'{label}: needs "transform": "activeToStatus" (active or inactive)')
            continue
        if want is not None and want != path.output_type:
            problems.append(
                f"{label}: the platform attribute takes a {want}, {row['scim']!r} "
                f"gives a {path.output_type}"
            )
            continue
        if platform in fields.required and not row["required"]:
            problems.append(f'{label}: the platform requires this attribute: set "required": true')
            continue
        compiled.append(MappingRow(kind, index, platform, bool(row["required"]), path))
    names = {r["platform"] for r in rows}
    for platform in fields.required:
        if platform not in names:
            problems.append(f'{kind}: no row for the required platform attribute "{platform}"')
    return tuple(compiled)


def mapping_problems(data: Any) -> list[str]:
    """Every problem of a mapping (parsed JSON), each led by its row's label when it has one
    (``users[3] (platform "email"): ...``); empty when the mapping is valid. The admin API's
    400 and the console's editor show these same messages."""
    problems = _schema_problems(data)
    if not problems:
        _compile_rows("users", data["users"], problems)
        _compile_rows("groups", data["groups"], problems)
    return problems


def validate_mapping(data: Any) -> Mapping:
    """Check a mapping (parsed JSON); ``InvalidValue`` lists every problem, each naming its row."""
    problems = mapping_problems(data)
    if problems:
        _refuse(problems)
    users = _compile_rows("users", data["users"], problems)
    groups = _compile_rows("groups", data["groups"], problems)
    return Mapping(
        name=data["name"],
        description=data.get("description", ""),
        users=users,
        groups=groups,
        delete_on_deactivate=data["options"]["deleteOnDeactivate"],
        data=data,
    )


def _refuse(problems: list[str]) -> None:
    shown = problems[:_MAX_MESSAGES]
    if len(problems) > _MAX_MESSAGES:
        shown.append(f"... and {len(problems) - _MAX_MESSAGES} more")
    msg = "invalid mapping: " + "; ".join(shown)
    raise InvalidValue(msg)


def load_mapping_file(path: Path) -> Mapping:
    """Read and check a mapping file; ``InvalidValue`` names the file and the problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        msg = f"mapping file {path}: not UTF-8 text"
        raise InvalidValue(msg) from None
    except json.JSONDecodeError as exc:
        msg = f"mapping file {path}: malformed JSON at line {exc.lineno} column {exc.colno}"
        raise InvalidValue(msg) from None
    try:
        return validate_mapping(data)
    except InvalidValue as exc:
        msg = f"mapping file {path}: {exc.detail}"
        raise InvalidValue(msg) from None


@cache
def default_mapping() -> Mapping:
    """``fixtures/mappings/default.json``: the mapping of an app that configured none."""
    return validate_mapping(fixtures.load_json("mappings", "default.json"))


@lru_cache(maxsize=256)
def _by_content(key: str) -> Mapping:
    return validate_mapping(json.loads(key))


def mapping_for(data: Any) -> Mapping:
    """The checked mapping of an app's stored JSON (None: the default), parsed once per content."""
    if data is None:
        return default_mapping()
    return _by_content(json.dumps(data, sort_keys=True, separators=(",", ":")))


class DirectoryRecordError(RuntimeError):
    """A directory record that breaks its JSON Schema, or an unusable stored mapping.

    Either is a server bug, not the client's fault: the request fails with 500 and nothing
    is stored.
    """


def _member_name(rtype: str, data: dict[str, Any], directory: dict[str, Any] | None) -> str | None:
    if rtype == "User":
        username = (directory or {}).get("username")
        name = username if isinstance(username, str) else data.get("userName")
    else:
        name = data.get("displayName")
    return name if isinstance(name, str) and name else None


def _partial_problems(schema: str, record: dict[str, Any]) -> list[str]:
    """What is wrong with a record that may lack required platform attributes (RFC mode):
    the schema's other rules (types, closed shape) still hold."""
    if jsonschemas.is_valid(schema, record):
        return []
    return [
        error.message
        for error in jsonschemas.validator(schema).iter_errors(record)
        if not (error.validator == "required" and not error.absolute_path)
    ]


class PlatformMapping(Platform):
    """The platform side of an app: its mapping applied on every write.

    Group records list members by name: a User member by the ``username`` of its directory
    record (its ``userName`` when it has none), a nested Group member by its ``displayName``
    (not flattened into its users: the platform keeps the group as a member). A name shared by
    a user and a nested group appears once.
    """

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def mapping(self, app: AppContext) -> Mapping:
        try:
            return mapping_for(app.mapping)
        except InvalidValue as exc:
            msg = f"app {app.name!r}: its stored mapping does not validate: {exc.detail}"
            raise DirectoryRecordError(msg) from None

    def check_and_map(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> dict[str, Any] | None:
        rows = self.mapping(app).rows(rtype)
        if app.settings.rules == "rfc":
            # RFC mode: only RFC 7643's requirements hold; the record keeps whatever maps.
            return self._record(app, rtype, resource, rows, partial=True)
        # Platform rule (issue 4): a required mapped attribute missing or empty refuses the
        # write with 400 invalidValue (RFC 7644 §3.12: "a required value was missing").
        missing = self.missing_required(app, rtype, resource)
        if missing:
            raise InvalidValue("; ".join(missing))
        return self._record(app, rtype, resource, rows)

    def missing_required(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> list[str]:
        if app.settings.rules == "rfc":
            return []  # RFC mode enforces RFC 7643's requirements only
        rows = self.mapping(app).rows(rtype)
        return [r.missing() for r in rows if r.required and is_empty(r.path.value(resource))]

    def refresh(
        self, app: AppContext, rtype: ResourceType, resource: dict[str, Any]
    ) -> dict[str, Any] | None:
        try:
            return self.check_and_map(app, rtype, resource)
        except InvalidValue:
            return None  # it no longer meets a changed mapping: keep the record it had

    def member_name(
        self, rtype: ResourceType, resource: dict[str, Any], directory: dict[str, Any] | None
    ) -> str | None:
        return _member_name(rtype.name, resource, directory)

    def required_paths(self, app: AppContext) -> list[RequiredPath]:
        if app.settings.rules == "rfc":
            return []  # /Schemas declares RFC 7643's requirements only
        return self.mapping(app).required_paths()

    def _record(
        self,
        app: AppContext,
        rtype: ResourceType,
        resource: dict[str, Any],
        rows: tuple[MappingRow, ...],
        *,
        partial: bool = False,
    ) -> dict[str, Any]:
        fields = platform_fields("users" if rtype.name == "User" else "groups")
        record: dict[str, Any] = {"id": resource["id"]}
        extra: dict[str, Any] = {}
        for row in rows:
            value = row.path.value(resource)
            if is_empty(value):
                continue
            if row.platform in fields.fields:
                record[row.platform] = value
            else:
                extra[row.platform] = value
        if rtype.name == "Group":
            record["members"] = self._member_names(app, resource)
        record["attributes"] = extra
        record["updatedAt"] = format_datetime(datetime.now(UTC))
        if partial:
            problems = _partial_problems(fields.schema, record)
        else:
            problems = jsonschemas.validation_errors(fields.schema, record)
        if problems:
            msg = f"{fields.schema} record of {rtype.name} {resource['id']}: " + "; ".join(problems)
            raise DirectoryRecordError(msg)
        return record

    def _member_names(self, app: AppContext, resource: dict[str, Any]) -> list[str]:
        ids = [
            m["value"]
            for m in resource.get("members") or ()
            if isinstance(m, dict) and isinstance(m.get("value"), str)
        ]
        found = self.store.member_names(app.name, ids)
        names: dict[str, None] = {}
        for member_id in ids:
            rtype, name, username = found.get(member_id, ("", None, None))
            # As _member_name: a user by its directory username, else userName.
            chosen = username if rtype == "User" and isinstance(username, str) else name
            if isinstance(chosen, str) and chosen:
                names.setdefault(chosen, None)
        return list(names)
