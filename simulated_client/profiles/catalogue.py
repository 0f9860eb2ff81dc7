"""How each real provisioning client shapes its requests, as data.

A :class:`Profile` is a frozen set of settings; :mod:`.shapes` turns an intended change into
the exact requests under a profile. The facts behind each setting are in
``shared/CLIENT_BEHAVIOUR.md`` (Microsoft Entra ID and Okta documentation and public captures).
Where a fact is unverified the setting says so in a comment, so that it can be changed without
touching code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scim_harness.simulated_client.wire import ADSCIM_GROUP_SCHEMA, FilterSpaces

__all__ = [
    "ENTRA",
    "ENTRA_2020",
    "NAIVE",
    "OKTA",
    "OPTIONAL_USER_ATTRIBUTES",
    "PROFILES",
    "RFC",
    "BooleanStyle",
    "Deactivation",
    "GroupRename",
    "ManagerMode",
    "MemberRemoval",
    "Profile",
    "TestConnection",
    "UpdateStyle",
    "get_profile",
]

OpCase = Literal["lower", "capitalised"]
BooleanStyle = Literal["json", "string"]
UpdateStyle = Literal["patch-per-attribute", "patch-merged-dotted", "get-then-put", "put-local"]
Deactivation = Literal["patch-path", "patch-pathless", "delete"]
MemberRemoval = Literal["filter-path", "value-list"]
GroupRename = Literal["patch-path", "patch-pathless", "patch-pathless-with-id"]
TestConnection = Literal["service-provider-config", "filter-random-guid", "list-count-2", "list"]
ManagerMode = Literal["inline", "separate-patch", "omit"]
ExternalIdStyle = Literal["source", "okta", "omit"]
EnterpriseSchema = Literal["when-used", "always", "never"]
UserDeletion = Literal["delete", "deactivate"]

OPTIONAL_USER_ATTRIBUTES = frozenset(
    {
        "externalId",
        "title",
        "phoneNumbers",
        "addresses",
        "preferredLanguage",
        "locale",
        "timezone",
        "enterprise",
    }
)


@dataclass(frozen=True)
class Profile:
    """Every choice a provisioning client makes on the wire. Defaults are strict RFC 7644."""

    name: str
    description: str
    # Transport.
    content_type: str = "application/scim+json"
    accept: str | None = "application/scim+json"
    user_agent: str | None = "scim-harness-simulated-client/0.1"
    content_type_on_bodyless: bool = False
    base_query: str = ""  # prefixed to every query string, e.g. a feature flag in the base URL
    filter_spaces: FilterSpaces = "percent"
    # Connection test and lookups.
    test_connection: TestConnection = "service-provider-config"
    probe_groups_on_test: bool = False
    lookup_before_create: bool = True
    user_match_attribute: str = "userName"
    lookup_params: tuple[tuple[str, str], ...] = ()
    group_lookup_excludes_members: bool = True
    not_found_statuses: frozenset[int] = frozenset()
    lookup_after_failed_create: bool = True
    # Create bodies.
    user_attributes: frozenset[str] = OPTIONAL_USER_ATTRIBUTES
    enterprise_schema: EnterpriseSchema = "when-used"
    email_type: bool = True
    name_formatted: bool = True
    create_meta: bool = False
    create_empty_roles: bool = False
    create_empty_groups: bool = False
    external_id: ExternalIdStyle = "source"
    send_password: bool = False
    manager_mode: ManagerMode = "inline"
    manager_as_string: bool = False
    manager_op: str = "replace"
    # PATCH spelling, updates and lifecycle.
    op_case: OpCase = "lower"
    patch_booleans: BooleanStyle = "json"
    update_style: UpdateStyle = "patch-per-attribute"
    deactivation: Deactivation = "patch-path"
    deactivate_op: str = "replace"
    user_deletion: UserDeletion = "delete"
    # Groups.
    group_extra_schemas: tuple[str, ...] = ()
    group_create_members: bool = False
    group_create_external_id: bool = True
    member_ref_null: bool = False
    member_display: bool = False
    member_removal: MemberRemoval = "filter-path"
    members_per_patch: int = 0  # 0: every added member in one operation
    membership_single_patch: bool = False
    group_rename: GroupRename = "patch-path"
    # What the client expects back (a mismatch is noted, not failed).
    expected_patch_statuses: frozenset[int] = frozenset({200, 204})
    expected_group_patch_statuses: frozenset[int] = frozenset({200, 204})
    honour_retry_after: bool = True

    def op(self, name: str) -> str:
        """``add``/``replace``/``remove`` spelled the way this client spells it."""
        name = name.lower()
        return name.capitalize() if self.op_case == "capitalised" else name

    def patch_boolean(self, value: bool) -> bool | str:
        """A boolean in a PATCH value: JSON, or the string ``"True"``/``"False"``."""
        return ("True" if value else "False") if self.patch_booleans == "string" else value


RFC = Profile(
    name="rfc",
    description="Strict RFC 7643/7644 client: the behaviour every server must support.",
)

ENTRA = Profile(
    name="entra",
    description="Microsoft Entra ID, default (customappsso/scim) provisioning job.",
    content_type="application/scim+json; charset=utf-8",
    accept=None,  # unverified: no public capture shows Entra's Accept header
    user_agent=None,  # unverified: no public capture shows Entra's User-Agent
    filter_spaces="plus",  # seen: spaces in filters arrive "+"-encoded
    test_connection="filter-random-guid",
    # Microsoft docs: the test fetches "a random user and group".
    probe_groups_on_test=True,
    # Entra's default mappings send no locale or timezone.
    user_attributes=OPTIONAL_USER_ATTRIBUTES - {"locale", "timezone"},
    enterprise_schema="always",
    create_meta=True,
    create_empty_roles=True,
    manager_mode="separate-patch",
    manager_as_string=True,  # unverified: seen as a bare id string in an "Add" operation
    manager_op="add",
    op_case="capitalised",
    patch_booleans="string",  # doc: {"op":"Replace","path":"active","value":"False"}
    group_extra_schemas=(ADSCIM_GROUP_SCHEMA,),
    member_ref_null=True,  # doc: [{"$ref": null, "value": "<id>"}]
    member_removal="value-list",
    expected_group_patch_statuses=frozenset({204}),
    honour_retry_after=True,  # unverified: Entra retries in later cycles; Retry-After unknown
)

ENTRA_2020 = Profile(
    name="entra-2020",
    description="Microsoft Entra ID with the aadOptscim062020 flag (SCIM-compliant PATCH).",
    content_type=ENTRA.content_type,
    accept=ENTRA.accept,
    user_agent=ENTRA.user_agent,
    # unverified: whether the flag from the tenant URL travels on every request; a server must
    # ignore unknown query parameters on its base URL either way.
    base_query="aadOptscim062020",
    filter_spaces="plus",
    test_connection="filter-random-guid",
    probe_groups_on_test=True,
    user_attributes=ENTRA.user_attributes,
    enterprise_schema="always",
    create_meta=True,
    create_empty_roles=True,
    manager_mode="separate-patch",
    manager_as_string=True,
    manager_op="add",
    update_style="patch-merged-dotted",  # doc: one path-less replace with "name.givenName" keys
    group_extra_schemas=(ADSCIM_GROUP_SCHEMA,),
    member_ref_null=True,
    member_removal="filter-path",  # doc: members[value eq "<id>"]
    group_rename="patch-pathless",  # unverified: follows the flag's merged single-valued replace
    expected_group_patch_statuses=frozenset({204}),
)

OKTA = Profile(
    name="okta",
    description="Okta (OIN SCIM 2.0 app): GET-then-PUT profile updates, path-less deactivation.",
    content_type="application/scim+json; charset=utf-8",
    accept="application/scim+json",
    user_agent="Okta SCIM Client 1.0.0",
    content_type_on_bodyless=True,  # seen: even on GET and DELETE
    filter_spaces="percent",
    test_connection="list-count-2",
    lookup_params=(("startIndex", "1"), ("count", "100")),
    group_lookup_excludes_members=False,
    not_found_statuses=frozenset({404}),  # doc: 200 with an empty list or 404 both mean absent
    user_attributes=frozenset({"externalId", "locale"}),
    enterprise_schema="never",
    name_formatted=False,
    create_empty_groups=True,
    external_id="okta",
    manager_mode="omit",
    update_style="get-then-put",
    deactivation="patch-pathless",
    user_deletion="deactivate",  # doc: Okta never DELETEs users
    group_create_members=True,
    group_create_external_id=False,
    member_display=True,
    membership_single_patch=True,
    group_rename="patch-pathless-with-id",
)

NAIVE = Profile(
    name="naive",
    description="A careless client: application/json, no lookups, DELETE to deactivate.",
    content_type="application/json",
    accept="application/json",
    user_agent="python-requests/2.31.0",
    test_connection="list",
    lookup_before_create=False,
    lookup_after_failed_create=False,
    email_type=False,
    update_style="put-local",
    deactivation="delete",
)

PROFILES: dict[str, Profile] = {
    profile.name: profile for profile in (RFC, ENTRA, ENTRA_2020, OKTA, NAIVE)
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; ``ValueError`` lists the known names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        msg = f"unknown profile {name!r} (known: {known})"
        raise ValueError(msg) from None
