"""The suite's test data: every name under one namespace, so it can be found and removed.

A run's namespace is ``scimh-<seed>-<random>``; each user's ``userName`` starts with it and each
group's ``displayName`` too. The shared :class:`Population` is a small, fixed set of people with
values chosen so that every filter operator selects a different, known subset; the filter
checks compare what the server returns with what :meth:`Population.expect` computes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ENTERPRISE", "GROUP_SCHEMA", "USER_SCHEMA", "Namespace", "Person", "Population"]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class Person:
    """One member of the shared population."""

    tag: str
    given: str
    family: str
    title: str
    nick: str | None = None
    home_email: bool = False

    def overrides(self) -> dict[str, Any]:
        return {
            "given": self.given,
            "family": self.family,
            "title": self.title,
            "nick": self.nick,
            "home_email": self.home_email,
        }


@dataclass(frozen=True)
class PopulationGroup:
    tag: str
    members: tuple[str, ...]


_PEOPLE = (
    Person("p-alpha", "Ada", "Archer", "Engineer", nick="ace", home_email=True),
    Person("p-bravo", "Bo", "Baker", "Engineer"),
    Person("p-charlie", "Cy", "Carter", "Manager", nick="cc", home_email=True),
    Person("p-delta", "Di", "Dunn", "Designer"),
    Person("p-echo", "Ed", "Evans", "Sales Engineer"),
)
_GROUPS = (
    PopulationGroup("g-one", ("p-alpha", "p-bravo")),
    PopulationGroup("g-two", ("p-charlie",)),
)


@dataclass
class Population:
    """The shared people and groups, with the ids the server gave them."""

    namespace: Namespace
    people: tuple[Person, ...] = _PEOPLE
    groups: tuple[PopulationGroup, ...] = _GROUPS
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """Every population userName starts with this."""
        return self.namespace.user_name("p-")

    def user_name(self, tag: str) -> str:
        return self.namespace.user_name(tag)

    def user_ids(self) -> list[str]:
        return [self.ids[p.tag] for p in self.people]

    def expect(self, predicate: Callable[[Person], bool]) -> set[str]:
        """The ids of the people ``predicate`` selects."""
        return {self.ids[p.tag] for p in self.people if predicate(p)}

    def tag_of(self, rid: str) -> str:
        for tag, known in self.ids.items():
            if known == rid:
                return tag
        return f"(not ours: {rid})"

    def person(self, tag: str) -> Person:
        return next(p for p in self.people if p.tag == tag)


@dataclass(frozen=True)
class Namespace:
    """Names of one run: ``scimh-<seed>-<random>``."""

    value: str
    enterprise: bool = False
    """Users carry the enterprise extension (only when the target advertises it)."""

    def user_name(self, tag: str) -> str:
        return f"{self.value}-{tag}"

    def email(self, tag: str, kind: str = "work") -> str:
        return f"{self.value}-{tag}@{kind}.example.com"

    def group_name(self, tag: str) -> str:
        return f"{self.value} {tag}"

    def external_id(self, tag: str) -> str:
        """The client's own id of a test resource (RFC 7643 §3.1 externalId)."""
        return f"{self.value}-ext-{tag}"

    def user(
        self,
        tag: str,
        *,
        given: str = "Test",
        family: str | None = None,
        title: str | None = None,
        nick: str | None = None,
        home_email: bool = False,
        omit: Sequence[str] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """A User with the six attributes the platform requires; ``omit`` drops some.

        Every user also carries an ``externalId`` and, when the target advertises it, the
        enterprise extension: what a provisioning client sends, so that the read-back compares
        it all (``emails`` are the multi-valued attribute with sub-attributes).
        ``omit`` names: userName, name.givenName, name.familyName, emails.work, displayName,
        active.
        """
        family = family or tag.replace("-", " ").title().replace(" ", "")
        emails: list[dict[str, Any]] = []
        if "emails.work" not in omit:
            emails.append({"value": self.email(tag), "type": "work", "primary": True})
        if home_email or "emails.work" in omit:
            emails.append({"value": self.email(tag, "home"), "type": "home"})
        name = {"givenName": given, "familyName": family, "formatted": f"{given} {family}"}
        body: dict[str, Any] = {
            "schemas": [USER_SCHEMA],
            "externalId": self.external_id(tag),
            "userName": self.user_name(tag),
            "name": name,
            "displayName": f"{given} {family}",
            "emails": emails,
            "active": True,
        }
        if self.enterprise:
            body["schemas"] = [USER_SCHEMA, ENTERPRISE]
            body[ENTERPRISE] = {"employeeNumber": f"E-{tag}", "department": "Conformance"}
        if title is not None:
            body["title"] = title
        if nick is not None:
            body["nickName"] = nick
        for path in omit:
            if path.startswith("name."):
                name.pop(path.split(".", 1)[1], None)
                name.pop("formatted", None)
            elif path != "emails.work":
                body.pop(path, None)
        body.update(extra)
        return body

    def group(self, tag: str, members: Sequence[str] = ()) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [GROUP_SCHEMA],
            "externalId": self.external_id(tag),
            "displayName": self.group_name(tag),
        }
        if members:
            body["members"] = [{"value": m} for m in members]
        return body

    def population(self) -> Population:
        return Population(self)
