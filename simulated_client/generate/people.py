"""Generated users and groups, keyed by an internal key (never the server's id).

Each knows its RFC 7643 representation (:meth:`GeneratedUser.scim_body`,
:meth:`GeneratedGroup.scim_body`); profiles reshape that into what a given client sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from scim_harness.simulated_client.wire import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

__all__ = [
    "Address",
    "GeneratedGroup",
    "GeneratedUser",
    "PhoneNumber",
    "Population",
]


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """RFC 7643 §4.1.2 ``phoneNumbers`` value."""

    value: str
    type: str

    def scim(self) -> dict[str, Any]:
        return {"value": self.value, "type": self.type}


@dataclass(frozen=True, slots=True)
class Address:
    """RFC 7643 §4.1.2 ``addresses`` value (a work address)."""

    street_address: str
    locality: str
    region: str
    postal_code: str
    country: str
    type: str = "work"

    @property
    def formatted(self) -> str:
        place = f"{self.locality}, {self.region} {self.postal_code}"
        return f"{self.street_address}\n{place}\n{self.country}"

    def scim(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "streetAddress": self.street_address,
            "locality": self.locality,
            "region": self.region,
            "postalCode": self.postal_code,
            "country": self.country,
            "formatted": self.formatted,
            "primary": True,
        }


@dataclass(frozen=True, slots=True)
class GeneratedUser:
    """A person of the source app; ``key`` is ours, the server assigns the ``id``."""

    key: str
    user_name: str
    given_name: str
    family_name: str
    display_name: str
    email: str
    active: bool = True
    external_id: str | None = None
    title: str | None = None
    phone_numbers: tuple[PhoneNumber, ...] = ()
    addresses: tuple[Address, ...] = ()
    preferred_language: str | None = None
    locale: str | None = None
    timezone: str | None = None
    employee_number: str | None = None
    department: str | None = None
    organization: str | None = None
    manager_key: str | None = None
    edge_case: str | None = None

    @property
    def formatted_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def enterprise(self, *, manager_id: str | None = None) -> dict[str, Any]:
        """RFC 7643 §4.3 enterprise extension attributes this user has (may be empty)."""
        ext: dict[str, Any] = {}
        if self.employee_number is not None:
            ext["employeeNumber"] = self.employee_number
        if self.organization is not None:
            ext["organization"] = self.organization
        if self.department is not None:
            ext["department"] = self.department
        if manager_id is not None:
            ext["manager"] = {"value": manager_id}
        return ext

    def scim_body(
        self, *, manager_id: str | None = None, email_type: bool = True
    ) -> dict[str, Any]:
        """The RFC 7643 §4.1 User representation for a create (no ``id``, no ``meta``).

        The enterprise schema URI is listed iff enterprise attributes are present
        (RFC 7643 §3: ``schemas`` names every schema the resource uses).
        """
        email: dict[str, Any] = {"value": self.email}
        if email_type:
            email["type"] = "work"
        email["primary"] = True
        body: dict[str, Any] = {"schemas": [USER_SCHEMA]}
        if self.external_id is not None:
            body["externalId"] = self.external_id
        body["userName"] = self.user_name
        body["name"] = {
            "givenName": self.given_name,
            "familyName": self.family_name,
            "formatted": self.formatted_name,
        }
        body["displayName"] = self.display_name
        body["emails"] = [email]
        if self.phone_numbers:
            body["phoneNumbers"] = [phone.scim() for phone in self.phone_numbers]
        if self.addresses:
            body["addresses"] = [address.scim() for address in self.addresses]
        if self.title is not None:
            body["title"] = self.title
        if self.preferred_language is not None:
            body["preferredLanguage"] = self.preferred_language
        if self.locale is not None:
            body["locale"] = self.locale
        if self.timezone is not None:
            body["timezone"] = self.timezone
        body["active"] = self.active
        ext = self.enterprise(manager_id=manager_id)
        if ext:
            body["schemas"].append(ENTERPRISE_USER_SCHEMA)
            body[ENTERPRISE_USER_SCHEMA] = ext
        return body


@dataclass(frozen=True, slots=True)
class GeneratedGroup:
    """A group of the source app with its members given by user keys."""

    key: str
    display_name: str
    external_id: str | None = None
    member_keys: tuple[str, ...] = ()
    department: str | None = None
    edge_case: str | None = None

    def scim_body(self, member_ids: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The RFC 7643 §4.2 Group representation; members only when their ids are known."""
        body: dict[str, Any] = {"schemas": [GROUP_SCHEMA]}
        if self.external_id is not None:
            body["externalId"] = self.external_id
        body["displayName"] = self.display_name
        if member_ids is not None:
            body["members"] = [
                {"value": member_ids[key]} for key in self.member_keys if key in member_ids
            ]
        return body


@dataclass(frozen=True)
class Population:
    """Everything one seed produced: users (managers before their reports) and groups."""

    seed: int
    locale: str
    domain: str
    edge_cases: bool
    users: tuple[GeneratedUser, ...]
    groups: tuple[GeneratedGroup, ...]

    @cached_property
    def users_by_key(self) -> dict[str, GeneratedUser]:
        return {user.key: user for user in self.users}

    @cached_property
    def groups_by_key(self) -> dict[str, GeneratedGroup]:
        return {group.key: group for group in self.groups}

    def user(self, key: str) -> GeneratedUser:
        return self.users_by_key[key]

    def group(self, key: str) -> GeneratedGroup:
        return self.groups_by_key[key]
