"""Reading a server's users and groups back page by page, as Okta's import does.

Okta's "Import" walks ``GET /Users?startIndex=1&count=N`` (then ``/Groups``) until it has seen
``totalResults`` resources (RFC 7644 §3.4.2.4), so it needs integer totals, pages that do not
overlap or skip (a stable order), and every provisioned account in them. The scenario records
what it read: one ``import-users``/``import-groups`` outcome each, failed when a page is
unusable, when an account is listed twice, or when an account the client provisioned is
missing. PingFederate's group matching walks ``/Groups`` the same way (:func:`list_all`).
"""

from __future__ import annotations

from typing import Any

from scim_harness.simulated_client.client import ScimClient
from scim_harness.simulated_client.errors import ScimClientError
from scim_harness.simulated_client.profiles import probes, shapes
from scim_harness.simulated_client.profiles.model import Profile
from scim_harness.simulated_client.scenarios.results import ScenarioResult
from scim_harness.simulated_client.scenarios.runner import Step
from scim_harness.simulated_client.scenarios.state import Progress, ScenarioOptions, ScenarioState
from scim_harness.simulated_client.walk import pages, paging_method

__all__ = ["MAX_PAGES", "import_accounts", "list_all"]

MAX_PAGES = 10_000
"""A walk stops after this many pages, whatever ``totalResults`` claims."""


async def list_all(
    client: ScimClient, profile: Profile, endpoint: str, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Every resource of ``endpoint`` and the number of pages read: with RFC 9865 cursors when
    the client's paging chooses them (:mod:`simulated_client.walk`), else page by page with
    ``startIndex`` until ``totalResults`` are read, as Okta does.

    Raises :class:`ScimClientError` when a page is unusable or the walk makes no progress.
    """
    request = shapes.list_resources(profile, endpoint)
    method = "index"
    # Cursors when asked for (--paging cursor) or when the configuration the client already read
    # advertises them; an import never adds a /ServiceProviderConfig read of its own.
    if client.paging == "cursor" or client.service_provider_config is not None:
        method, _ = await paging_method(client, request)
    if method == "cursor":
        walked: list[dict[str, Any]] = []
        number = 0
        async for cursor_page in pages(client, request, page_size=page_size, max_pages=MAX_PAGES):
            walked.extend(cursor_page.resources)
            number = cursor_page.number
        return walked, number
    found: list[dict[str, Any]] = []
    start = 1
    for number in range(1, MAX_PAGES + 1):
        reply = await client.send(probes.list_page(profile, endpoint, start, page_size))
        try:
            page = probes.read_page(reply.body, endpoint)
        except ValueError as exc:
            raise ScimClientError(str(exc), target=f"GET {endpoint}") from None
        found.extend(page.resources)
        start += len(page.resources)
        if start > page.total:
            return found, number
        if not page.resources:
            msg = (
                f"GET {endpoint}: an empty page at startIndex={start} while totalResults is "
                f"{page.total}: the walk cannot go on"
            )
            raise ScimClientError(msg, target=f"GET {endpoint}")
    msg = f"GET {endpoint}: more than {MAX_PAGES} pages"
    raise ScimClientError(msg, target=f"GET {endpoint}")


def _problems(resources: list[dict[str, Any]], expected: dict[str, str]) -> list[str]:
    """Duplicates in the walk, and accounts this client provisioned that it never saw."""
    seen: dict[str, int] = {}
    for resource in resources:
        rid = resource.get("id")
        if isinstance(rid, str):
            seen[rid] = seen.get(rid, 0) + 1
    twice = sorted(rid for rid, times in seen.items() if times > 1)
    missing = sorted(key for key, rid in expected.items() if rid not in seen)
    problems = []
    if twice:
        problems.append(f"listed more than once: {', '.join(twice[:5])}")
    if missing:
        problems.append(f"never listed: {', '.join(missing[:5])}")
    return problems


async def import_accounts(
    client: ScimClient,
    profile: Profile,
    state: ScenarioState,
    *,
    options: ScenarioOptions | None = None,
    progress: Progress | None = None,
) -> ScenarioResult:
    """Read every user, then every group, page by page; compare with what was provisioned."""
    step = Step("import", client, profile, state, progress)
    size = profile.import_page_size
    if size is not None and options is not None:
        size = options.page_size  # --page-size, which defaults to the profiles' 100
    if size is None:
        step.note(f"{profile.name} does not import accounts: nothing sent")
        return step.finish()
    live_users = {key: state.ids[key] for key in state.live_users()}
    live_groups = {key: state.ids[key] for key in state.live_groups()}
    for endpoint, kind, expected in (
        ("/Users", "import-users", live_users),
        ("/Groups", "import-groups", live_groups),
    ):
        index = step.plan(kind, endpoint.strip("/").lower(), page_size=size)
        try:
            resources, read = await list_all(client, profile, endpoint, size)
        except ScimClientError as exc:
            step.failed(index, exc)
            continue
        step.counts.pages_read += read
        if endpoint == "/Users":
            step.counts.users_imported += len(resources)
        else:
            step.counts.groups_imported += len(resources)
        problems = _problems(resources, expected)
        if problems:
            step.failed(index, f"GET {endpoint}: " + "; ".join(problems))
        else:
            step.done(index, message=f"{len(resources)} read, {size} a page")
    return step.finish()
