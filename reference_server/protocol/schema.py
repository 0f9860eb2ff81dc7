"""The SCIM attribute model (RFC 7643 §2, §7, §8.7): schemas, attributes and their characteristics.

Loaded once from the schema representations in ``fixtures/schemas/definitions``. Everything
that needs an attribute's type, ``caseExact``, ``mutability``, ``returned`` or canonical name
asks this module, so one table decides it all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from scim_harness import fixtures

__all__ = [
    "CORE_GROUP",
    "CORE_USER",
    "ENTERPRISE_USER",
    "GROUP",
    "USER",
    "Attribute",
    "ResourceType",
    "Schema",
    "fold",
    "format_datetime",
    "parse_datetime",
    "resource_type",
    "resource_types",
]

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 §7)."""

    name: str
    type: str
    multi_valued: bool = False
    case_exact: bool = False
    required: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    description: str = ""
    sub_attributes: dict[str, Attribute] = field(default_factory=dict)
    """Keyed by lower-cased name (RFC 7643 §2.1: attribute names are case-insensitive)."""

    @property
    def is_complex(self) -> bool:
        return self.type == "complex"

    def sub(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` in any case, or None."""
        return self.sub_attributes.get(name.lower())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Attribute:
        subs = [cls.from_json(s) for s in data.get("subAttributes", [])]
        return cls(
            name=data["name"],
            type=data["type"],
            multi_valued=bool(data.get("multiValued", False)),
            case_exact=bool(data.get("caseExact", False)),
            required=bool(data.get("required", False)),
            mutability=data.get("mutability", "readWrite"),
            returned=data.get("returned", "default"),
            uniqueness=data.get("uniqueness", "none"),
            canonical_values=tuple(data.get("canonicalValues", ())),
            reference_types=tuple(data.get("referenceTypes", ())),
            description=data.get("description", ""),
            sub_attributes={s.name.lower(): s for s in subs},
        )


def _common(name: str, **kwargs: Any) -> Attribute:
    return Attribute(name=name, type=kwargs.pop("type", "string"), **kwargs)


# RFC 7643 §3.1: common attributes, part of every resource but of no schema.
_META = _common(
    "meta",
    type="complex",
    mutability="readOnly",
    sub_attributes={
        a.name.lower(): a
        for a in (
            _common("resourceType", case_exact=True, mutability="readOnly"),
            _common("created", type="dateTime", mutability="readOnly"),
            _common("lastModified", type="dateTime", mutability="readOnly"),
            _common("location", type="reference", case_exact=True, mutability="readOnly"),
            _common("version", case_exact=True, mutability="readOnly"),
        )
    },
)
COMMON_ATTRIBUTES: dict[str, Attribute] = {
    "id": _common(
        "id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server"
    ),
    "externalid": _common("externalId", case_exact=True),
    "meta": _META,
}


@dataclass(frozen=True)
class Schema:
    """A schema (RFC 7643 §7): its URN and its top-level attributes."""

    id: str
    name: str
    description: str
    attributes: dict[str, Attribute]
    """Keyed by lower-cased name."""
    representation: dict[str, Any]
    """The RFC 7643 §8.7 JSON representation served at ``/Schemas/{id}``."""

    def attribute(self, name: str) -> Attribute | None:
        return self.attributes.get(name.lower())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        attrs = [Attribute.from_json(a) for a in data["attributes"]]
        return cls(
            id=data["id"],
            name=data["name"],
            description=data.get("description", ""),
            attributes={a.name.lower(): a for a in attrs},
            representation=data,
        )


@dataclass(frozen=True)
class ResourceType:
    """A resource type (RFC 7643 §6): endpoint, core schema and extensions."""

    name: str
    endpoint: str
    description: str
    schema: Schema
    extensions: tuple[Schema, ...] = ()

    @property
    def schema_ids(self) -> tuple[str, ...]:
        return (self.schema.id, *(e.id for e in self.extensions))

    def extension(self, urn: str) -> Schema | None:
        """The extension schema with this URN (case-insensitive), or None."""
        lowered = urn.lower()
        for ext in self.extensions:
            if ext.id.lower() == lowered:
                return ext
        return None

    def schema_for(self, urn: str) -> Schema | None:
        """The core schema or an extension by URN, case-insensitively."""
        if urn.lower() == self.schema.id.lower():
            return self.schema
        return self.extension(urn)

    def top_attribute(self, name: str) -> Attribute | None:
        """A top-level attribute of the core schema or a common attribute (id, externalId, meta)."""
        key = name.lower()
        return COMMON_ATTRIBUTES.get(key) or self.schema.attributes.get(key)

    def iter_attributes(self) -> Iterator[tuple[Schema | None, Attribute]]:
        """Every top-level attribute with the schema that defines it (None for common ones)."""
        for attr in COMMON_ATTRIBUTES.values():
            yield None, attr
        for schema in (self.schema, *self.extensions):
            for attr in schema.attributes.values():
                yield schema, attr


@cache
def _schema(filename: str) -> Schema:
    return Schema.from_json(fixtures.load_json("schemas", "definitions", filename))


@cache
def resource_types() -> dict[str, ResourceType]:
    """The resource types this server serves, keyed by name."""
    user = ResourceType(
        name="User",
        endpoint="/Users",
        description="User Account",
        schema=_schema("rfc7643-8.7.1-user.json"),
        extensions=(_schema("rfc7643-8.7.1-enterprise-user.json"),),
    )
    group = ResourceType(
        name="Group",
        endpoint="/Groups",
        description="Group",
        schema=_schema("rfc7643-8.7.1-group.json"),
    )
    return {"User": user, "Group": group}


def resource_type(name: str) -> ResourceType:
    return resource_types()[name]


USER = "User"
GROUP = "Group"


def fold(value: str) -> str:
    """The case-insensitive key of a string (caseExact=false comparisons, RFC 7643 §2.2).

    The one folding rule of the server: indexes, uniqueness, filters in SQL and in Python all
    use it, so they agree on non-ASCII text too.
    """
    return value.casefold()


def format_datetime(moment: datetime) -> str:
    """xsd:dateTime in UTC with microseconds: sortable as text (RFC 7643 §2.3.5)."""
    # isoformat is several times faster than strftime, with the same digits.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_datetime(text: str) -> datetime:
    """Parse an xsd:dateTime; naive values are taken as UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
