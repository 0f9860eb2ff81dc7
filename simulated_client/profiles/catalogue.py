"""How each real provisioning client shapes its requests, as data, with its public sources.

A :class:`~.model.Profile` is a frozen set of settings; :mod:`.shapes` and :mod:`.probes` turn
an intended change into the exact requests under a profile. The facts behind each setting are
in ``shared/CLIENT_BEHAVIOUR.md`` and in each profile's ``sources`` (vendor documentation and
public captures). Where a fact is unverified the setting says so in a comment, so that it can
be changed without touching code.
"""

from __future__ import annotations

from scim_harness.simulated_client.profiles.model import (
    OPTIONAL_USER_ATTRIBUTES,
    BooleanStyle,
    Deactivation,
    GroupRename,
    ManagerMode,
    MemberRemoval,
    Profile,
    TestConnection,
    UpdateStyle,
)
from scim_harness.simulated_client.wire import ADSCIM_GROUP_SCHEMA

__all__ = [
    "ENTRA",
    "ENTRA_2020",
    "JUMPCLOUD",
    "NAIVE",
    "OKTA",
    "ONELOGIN",
    "OPTIONAL_USER_ATTRIBUTES",
    "PINGFEDERATE",
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

_ENTRA_SOURCES = (
    "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
    "use-scim-to-provision-users-and-groups (requests and bodies of the provisioning service)",
    "https://learn.microsoft.com/en-us/answers/questions/1611014/ (Test Connection queries a "
    "user that does not exist and needs 200, not 404)",
    "https://github.com/OneUptime/oneuptime/issues/2134 (capture: the first request is "
    'GET /Users?filter=userName+eq+"<GUID>", spaces "+"-encoded)',
    "https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/"
    "app-gallery-user-provisioning-requirements (an app must take at least 25 requests/s "
    "per tenant)",
)
_OKTA_SOURCES = (
    "https://docs.delinea.com/online-help/delinea-platform/scim/okta-scim-provisioning/"
    "okta-scim-endpoint-reference.htm (Test Connection is GET /Users?startIndex=1&count=2; "
    "wizard (AIW) apps update by PUT, catalogue (OIN) apps by PATCH)",
    "https://raw.githubusercontent.com/joelfranusic-okta/okta-scim-beta/master/"
    "SCIM_tests_for_Runscope.json (Okta's SCIM test: count=2&startIndex=1 must answer a "
    "ListResponse with numeric itemsPerPage, startIndex, totalResults; groups read 100 a page)",
    "https://developer.okta.com/docs/reference/rl2-concurrency (an org processes at most 75 "
    "requests at once, 35 on the Integrator Free plan)",
)

RFC = Profile(
    name="rfc",
    description="Strict RFC 7643/7644 client: the behaviour every server must support.",
)

ENTRA = Profile(
    name="entra",
    description="Microsoft Entra ID, default (customappsso/scim) provisioning job.",
    sources=_ENTRA_SOURCES,
    content_type="application/scim+json; charset=utf-8",
    accept=None,  # unverified: no public capture shows Entra's Accept header
    user_agent=None,  # unverified: no public capture shows Entra's User-Agent
    filter_spaces="plus",  # seen: spaces in filters arrive "+"-encoded
    # doc: a gallery app must take at least 25 requests/s per tenant; how many Entra keeps in
    # flight is unverified (the default 8 stays).
    rate=25.0,
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
    sources=_ENTRA_SOURCES,
    content_type=ENTRA.content_type,
    accept=ENTRA.accept,
    user_agent=ENTRA.user_agent,
    # unverified: whether the flag from the tenant URL travels on every request; a server must
    # ignore unknown query parameters on its base URL either way.
    base_query="aadOptscim062020",
    filter_spaces="plus",
    rate=ENTRA.rate,
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
    sources=_OKTA_SOURCES,
    content_type="application/scim+json; charset=utf-8",
    accept="application/scim+json",
    user_agent="Okta SCIM Client 1.0.0",
    content_type_on_bodyless=True,  # seen: even on GET and DELETE
    filter_spaces="percent",
    # doc: the org's concurrency limit (75; `--concurrency 35` for the Integrator Free plan).
    # How many of those Okta spends on one app's provisioning is unverified.
    concurrency=75,
    test_connection="list-count-2",
    lookup_params=(("startIndex", "1"), ("count", "100")),
    group_lookup_excludes_members=False,
    not_found_statuses=frozenset({404}),  # doc: 200 with an empty list or 404 both mean absent
    # Okta's test reads groups 100 a page; the same page size for users is unverified.
    import_page_size=100,
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

ONELOGIN = Profile(
    name="onelogin",
    description="OneLogin SCIM Provisioner (SCIM v2 Enterprise template): admin-edited JSON.",
    sources=(
        "https://scim.dev/guide/applications/onelogin (Enable makes an initial connection to "
        "the base URL; the body is an admin-edited JSON template)",
        "https://doc.keepnetlabs.com/next-generation-product/platform/company/company-settings/"
        'scim-settings/onelogin-scim-integration (template with "active": "{$user.active}" '
        'as text, "id": null and meta)',
        "https://developers.onelogin.com/scim/test-your-scim (deleted users: Delete, Suspend "
        "or Do Nothing)",
        "shared/CLIENT_BEHAVIOUR.md (the first connection filters on a non-existent userName "
        "and takes an empty list or 404; emails as one object in PATCH, from a server "
        "library's workaround)",
    ),
    content_type="application/scim+json",
    accept="application/scim+json",  # unverified
    user_agent="OneLogin SCIM",  # unverified: no public capture shows OneLogin's User-Agent
    test_connection="filter-nonexistent",
    not_found_statuses=frozenset({404}),  # CLIENT_BEHAVIOUR: an empty list or 404 means absent
    user_attributes=frozenset({"externalId", "title", "enterprise"}),
    enterprise_schema="always",  # the "SCIM v2 Enterprise" connector's template
    create_meta=True,  # doc (template): "meta": {"resourceType": "User"}
    create_null_id=True,  # doc (template): "id": null
    create_active_string=True,  # doc (template): "active": "{$user.active}" renders text
    email_patch="single-object",  # seen (a server library's workaround), unverified in docs
    manager_mode="omit",
)

JUMPCLOUD = Profile(
    name="jumpcloud",
    description="JumpCloud custom SCIM integration: Test Connection creates and deletes.",
    sources=(
        "https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-"
        "custom-scim-identity-management-integration (a test user and a test group are created "
        "and deleted; the user is deactivated when DELETE is unsupported)",
        "https://boxyhq.com/docs/directory-sync/providers/jumpcloud (Test Connection takes the "
        "base URL, a token and a test user's email)",
        "https://app.uni-moni.com/en/kb/sso-setup-jumpcloud (group member PATCH in the Azure AD "
        "style: a value list, no RFC value filter)",
    ),
    user_agent="JumpCloud SCIM",  # unverified
    test_connection="create-delete",
    user_attributes=frozenset({"externalId", "title", "phoneNumbers", "addresses"}),
    manager_mode="omit",
    member_removal="value-list",  # seen: value=[{value: uid}] without a filter
)

PINGFEDERATE = Profile(
    name="pingfederate",
    description="PingFederate SCIM Provisioner: PUT for users, groups found by listing them all.",
    sources=(
        "https://docs.pingidentity.com/integrations/scim/pf_scim_connector.html (no PATCH on "
        "users, PATCH on groups; groups matched by retrieving all groups; users disabled or "
        "deleted on deprovisioning)",
        "https://docs.pingidentity.com/integrations/scim/"
        "pf_scim_connector_user_and_group_management.html (users matched on userName)",
        "https://docs.pingidentity.com/pingone/integrations/p1_scim_filter_expressions.html "
        '(filter expressions such as username Eq "%s")',
    ),
    accept="application/json",  # CLIENT_BEHAVIOUR (lower confidence)
    user_agent="PingFederate SCIM Provisioner",  # unverified
    # unverified: PingFederate documents no connection test; the profile sends the lookup it
    # begins with on a name nobody has, so the first request still tests its filter.
    test_connection="filter-nonexistent",
    user_filter='username Eq "%s"',  # doc: an admin's filter expression (any case is valid)
    not_found_statuses=frozenset({404}),  # unverified
    group_lookup="list-all",  # doc: groups matched by retrieving all groups
    user_attributes=frozenset({"externalId", "title"}),
    manager_mode="omit",
    update_style="put-local",  # doc: no PATCH on users
    deactivation="put",  # doc: disable (the default) without PATCH: a PUT with active false
    user_deletion="deactivate",  # CLIENT_BEHAVIOUR: deprovisioning disables by default
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
    profile.name: profile
    for profile in (RFC, ENTRA, ENTRA_2020, OKTA, ONELOGIN, JUMPCLOUD, PINGFEDERATE, NAIVE)
}


def get_profile(name: str) -> Profile:
    """The profile called ``name``; ``ValueError`` lists the known names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        msg = f"unknown profile {name!r} (known: {known})"
        raise ValueError(msg) from None
