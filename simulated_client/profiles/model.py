"""What a provisioning client can choose on the wire, as one frozen record: :class:`Profile`.

Every field is a choice some real client makes differently (how it tests the connection, how it
looks resources up, how it spells PATCH, how fast it sends). The profiles themselves, each with
its public sources, are in :mod:`.catalogue`; :mod:`.shapes` and :mod:`.probes` turn a profile
and an intended change into the exact requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scim_harness.simulated_client.wire import FilterSpaces

__all__ = [
    "OPTIONAL_USER_ATTRIBUTES",
    "BooleanStyle",
    "Deactivation",
    "EmailPatch",
    "EnterpriseSchema",
    "ExternalIdStyle",
    "GroupLookup",
    "GroupRename",
    "ManagerMode",
    "MemberRemoval",
    "OpCase",
    "Profile",
    "TestConnection",
    "UpdateStyle",
    "UserDeletion",
]

OpCase = Literal["lower", "capitalised"]
BooleanStyle = Literal["json", "string"]
UpdateStyle = Literal["patch-per-attribute", "patch-merged-dotted", "get-then-put", "put-local"]
Deactivation = Literal["patch-path", "patch-pathless", "put", "delete"]
MemberRemoval = Literal["filter-path", "value-list"]
GroupRename = Literal["patch-path", "patch-pathless", "patch-pathless-with-id"]
TestConnection = Literal[
    "service-provider-config",  # GET /ServiceProviderConfig (a strict RFC client)
    "filter-random-guid",  # Entra ID: userName eq "<random GUID>", must be 200 and empty
    "filter-nonexistent",  # OneLogin, PingFederate: the user lookup on a name nobody has
    "list-count-2",  # Okta: GET /Users?startIndex=1&count=2
    "create-delete",  # JumpCloud: create and delete a test user and a test group
    "list",  # a careless client: GET /Users
]
ManagerMode = Literal["inline", "separate-patch", "omit"]
ExternalIdStyle = Literal["source", "okta", "omit"]
EnterpriseSchema = Literal["when-used", "always", "never"]
UserDeletion = Literal["delete", "deactivate"]
GroupLookup = Literal["filter", "list-all"]
EmailPatch = Literal["filter-path", "single-object"]

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
    sources: tuple[str, ...] = ()
    """Public sources of the facts behind the settings (URLs, with what each one shows)."""
    # Transport.
    content_type: str = "application/scim+json"
    accept: str | None = "application/scim+json"
    user_agent: str | None = "scim-harness-simulated-client/0.1"
    content_type_on_bodyless: bool = False
    base_query: str = ""  # prefixed to every query string, e.g. a feature flag in the base URL
    filter_spaces: FilterSpaces = "percent"
    # Pace: the client's own defaults, overridden by `push --concurrency/--rate`.
    concurrency: int = 8
    rate: float | None = None  # requests per second at most; None: as fast as answers come
    # Connection test and lookups.
    test_connection: TestConnection = "service-provider-config"
    probe_groups_on_test: bool = False
    lookup_before_create: bool = True
    user_match_attribute: str = "userName"
    user_filter: str | None = None  # a template with "%s" (PingFederate's filter expression)
    lookup_params: tuple[tuple[str, str], ...] = ()
    group_lookup: GroupLookup = "filter"
    group_lookup_excludes_members: bool = True
    list_page_size: int = 100  # count of each page when the client lists a whole endpoint
    not_found_statuses: frozenset[int] = frozenset()
    lookup_after_failed_create: bool = True
    import_page_size: int | None = None  # None: the client never imports (reads) accounts
    # Create bodies.
    user_attributes: frozenset[str] = OPTIONAL_USER_ATTRIBUTES
    enterprise_schema: EnterpriseSchema = "when-used"
    email_type: bool = True
    name_formatted: bool = True
    create_meta: bool = False
    create_null_id: bool = False  # "id": null in the create body (OneLogin's template)
    create_active_string: bool = False  # "active": "true" (a template renders it as text)
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
    email_patch: EmailPatch = "filter-path"
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

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            msg = f"profile {self.name!r}: concurrency must be at least 1"
            raise ValueError(msg)
        if self.rate is not None and self.rate <= 0:
            msg = f"profile {self.name!r}: rate must be positive"
            raise ValueError(msg)

    def op(self, name: str) -> str:
        """``add``/``replace``/``remove`` spelled the way this client spells it."""
        name = name.lower()
        return name.capitalize() if self.op_case == "capitalised" else name

    def patch_boolean(self, value: bool) -> bool | str:
        """A boolean in a PATCH value: JSON, or the string ``"True"``/``"False"``."""
        return ("True" if value else "False") if self.patch_booleans == "string" else value
