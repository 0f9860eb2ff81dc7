"""The end state the simulated source app means to produce (``push --expect-out FILE``).

Written in the format of ``fixtures/schemas/json/expected-state.schema.json``, which
``scim-harness check client --expect FILE`` reconciles the platform's directory against:

- every user the source still has (pushed or not: one the server refused is still meant to be
  there), with ``active`` false when it deactivated the user (a user
  the client deleted as its way of deactivating is still the source's, inactive; one it
  deleted in the ``delete`` scenario is gone), its ``externalId`` as this profile sends it,
  and the attributes this profile sends, by SCIM path;
- every group it did not delete, under its current name, with the userNames of its members.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scim_harness.simulated_client.generate.people import GeneratedUser
from scim_harness.simulated_client.profiles.catalogue import Profile
from scim_harness.simulated_client.profiles.shapes import WORK_EMAIL_PATH, external_id_for
from scim_harness.simulated_client.scenarios.state import ScenarioState
from scim_harness.simulated_client.wire import ENTERPRISE_USER_SCHEMA

__all__ = ["intended_state", "write_intended_state"]


def _attributes(profile: Profile, user: GeneratedUser) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "name.givenName": user.given_name,
        "name.familyName": user.family_name,
        WORK_EMAIL_PATH: user.email,
        "displayName": user.display_name,
    }
    sent = profile.user_attributes
    if "title" in sent and user.title is not None:
        attributes["title"] = user.title
    mobile = [p.value for p in user.phone_numbers if p.type == "mobile"]
    if "phoneNumbers" in sent and mobile:
        attributes['phoneNumbers[type eq "mobile"].value'] = mobile[0]
    enterprise = "enterprise" in sent and profile.enterprise_schema != "never"
    if enterprise and user.department is not None:
        attributes[f"{ENTERPRISE_USER_SCHEMA}:department"] = user.department
    return attributes


def _removed(state: ScenarioState, key: str) -> bool:
    """Deleted on purpose (not as a deactivation, not by the server): no longer the source's."""
    return key in state.deleted and key not in state.deactivated and key not in state.server_deleted


def intended_state(
    state: ScenarioState, profile: Profile, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The expected-state document for what ``state`` says the source app holds."""
    users: list[dict[str, Any]] = []
    kept: set[str] = set()
    for generated in state.population.users:
        key = generated.key
        if _removed(state, key):
            continue
        user = state.users[key]
        entry: dict[str, Any] = {"userName": user.user_name}
        external_id = external_id_for(profile, user)
        if external_id is not None:
            entry["externalId"] = external_id
        entry["active"] = key not in state.deactivated
        entry["attributes"] = _attributes(profile, user)
        users.append(entry)
        kept.add(key)
    groups: list[dict[str, Any]] = []
    for group in state.population.groups:
        if group.key in state.groups_deleted:
            continue
        entry = {"displayName": state.group_names[group.key]}
        if profile.group_create_external_id and group.external_id is not None:
            entry["externalId"] = group.external_id
        members = state.sorted_users(state.members[group.key] & kept)
        entry["members"] = [state.users[key].user_name for key in members]
        groups.append(entry)
    document: dict[str, Any] = {
        "description": "The end state the simulated source app meant to produce.",
        "source": {"profile": profile.name, **(source or {})},
        "users": users,
        "groups": groups,
    }
    return document


def write_intended_state(
    path: Path, state: ScenarioState, profile: Profile, source: dict[str, Any] | None = None
) -> None:
    """Write :func:`intended_state` as indented JSON (UTF-8)."""
    text = json.dumps(intended_state(state, profile, source), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
