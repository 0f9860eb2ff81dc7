"""Target presets: the published inbound limits of a real platform, enforced on an app.

A preset is a data file, ``fixtures/presets/<name>.json``: a name, a title, and rules, each
with the public page it comes from (``source``) and what that page says (``says``, in our
words). An app takes one through its ``preset`` setting; every rule is then enforced with
the RFC 7644 §3.12 error a SCIM client can act on, recorded with the finding
``PRESET-RULE`` naming the rule and its source, and discovery advertises what remains.

Rule kinds (``"rule"``) and their members:

    unsupportedMethod     method, resourceType?   -> 501 (RFC 7644 §3.12: not supported)
    unsupportedEndpoint   endpoint ("Bulk", "Me", ".search")          -> 501
    maxPatchOperations    resourceType, limit      -> 400 invalidValue
    maxMembershipChanges  limit (members added or removed by one Group PATCH) -> 400
    maxMembersOnCreate    limit (members in one POST /Groups)          -> 400
    noWholeMembersChange  removeNeedsFilter? (replace of ``members``, remove of every member;
                          with removeNeedsFilter, any remove without members[value eq ...])
                                                   -> 400 invalidValue
    patchAttributes       resourceType, add/remove/replace: allowed attributes -> 400
    filterOperators       allowed (e.g. ["eq", "and"])                  -> 400 invalidFilter
    singleValued          attributes (multi-valued attributes taking one value) -> 400
    maxResults            limit (largest page; advertised as filter.maxResults)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from scim_harness.reference_server.protocol.errors import InvalidValue

from scim_harness import fixtures

__all__ = ["RULE_KINDS", "Preset", "PresetRule", "known_presets", "load_preset"]

RULE_KINDS = (
    "unsupportedMethod",
    "unsupportedEndpoint",
    "maxPatchOperations",
    "maxMembershipChanges",
    "maxMembersOnCreate",
    "noWholeMembersChange",
    "patchAttributes",
    "filterOperators",
    "singleValued",
    "maxResults",
)
_FOLDER = "presets"
_COMMON = {"rule", "source", "says"}
_MEMBERS: dict[str, set[str]] = {
    "unsupportedMethod": {"method", "resourceType"},
    "unsupportedEndpoint": {"endpoint"},
    "maxPatchOperations": {"resourceType", "limit"},
    "maxMembershipChanges": {"limit"},
    "maxMembersOnCreate": {"limit"},
    "noWholeMembersChange": {"removeNeedsFilter"},
    "patchAttributes": {"resourceType", "add", "remove", "replace"},
    "filterOperators": {"allowed"},
    "singleValued": {"attributes"},
    "maxResults": {"limit"},
}


@dataclass(frozen=True)
class PresetRule:
    """One published limit: its kind, its parameters, and where it is published."""

    kind: str
    params: dict[str, Any]
    source: str
    says: str

    def cite(self) -> str:
        """How refusals name the rule: what the platform says, and where."""
        return f"{self.says} ({self.source})"

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.kind, **self.params, "source": self.source, "says": self.says}


@dataclass(frozen=True)
class Preset:
    """A platform's inbound limits."""

    name: str
    title: str
    description: str
    rules: tuple[PresetRule, ...]

    def of_kind(self, kind: str) -> list[PresetRule]:
        return [r for r in self.rules if r.kind == kind]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "rules": [r.as_json() for r in self.rules],
        }


def known_presets() -> tuple[str, ...]:
    """The preset names: the files of ``fixtures/presets``, without ``.json``."""
    folder = fixtures.path(_FOLDER)
    return tuple(sorted(p.stem for p in folder.glob("*.json")))


def _rule(data: Any, where: str) -> PresetRule:
    if not isinstance(data, dict):
        msg = f"{where}: a rule must be a JSON object"
        raise InvalidValue(msg)
    kind = data.get("rule")
    if kind not in RULE_KINDS:
        msg = f"{where}: unknown rule {kind!r}; known: {', '.join(RULE_KINDS)}"
        raise InvalidValue(msg)
    extra = set(data) - _COMMON - _MEMBERS[kind]
    if extra:
        msg = f"{where} ({kind}): unknown member {sorted(extra)[0]!r}"
        raise InvalidValue(msg)
    source, says = data.get("source"), data.get("says")
    if not isinstance(source, str) or not source.startswith("https://"):
        msg = f"{where} ({kind}): every rule needs its public source, an https:// URL"
        raise InvalidValue(msg)
    if not isinstance(says, str) or not says.strip():
        msg = f"{where} ({kind}): every rule needs 'says', what its source states"
        raise InvalidValue(msg)
    if "limit" in _MEMBERS[kind]:
        limit = data.get("limit")
        if type(limit) is not int or limit < 0:
            msg = f"{where} ({kind}): limit must be a whole number of at least 0"
            raise InvalidValue(msg)
    params = {k: v for k, v in data.items() if k not in _COMMON}
    return PresetRule(kind, params, source, says)


def parse_preset(data: Any, where: str) -> Preset:
    """A preset from its JSON; ``InvalidValue`` names the rule that is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        msg = f"{where}: a preset is an object with name, title, description and rules"
        raise InvalidValue(msg)
    rules = tuple(_rule(r, f"{where} rules[{i}]") for i, r in enumerate(data["rules"]))
    return Preset(
        name=str(data.get("name", "")),
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        rules=rules,
    )


@cache
def load_preset(name: str) -> Preset:
    """The preset called ``name`` (a file of ``fixtures/presets``); KeyError when unknown."""
    if name not in known_presets():
        msg = f"no preset {name!r}; known: {', '.join(known_presets())}"
        raise KeyError(msg)
    path = fixtures.path(_FOLDER, f"{name}.json")
    return parse_preset(json.loads(path.read_text(encoding="utf-8")), f"preset {name}")
