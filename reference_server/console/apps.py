"""Apps: the list, creating one (its SCIM Base URL and Bearer Token, shown once), deleting one
after its name is typed again."""

from __future__ import annotations

from scim_harness.reference_server.admin.api import APP_NAME, open_app, remove_app
from scim_harness.reference_server.console.web import ROOT, Page
from scim_harness.reference_server.protocol.errors import ScimError
from scim_harness.reference_server.settings import AppSettings
from starlette.responses import Response

__all__ = ["app_home", "apps_page", "create_app", "delete_app", "delete_confirm"]


def _apps_page(page: Page, *, error: str = "", name: str = "", status: int = 200) -> Response:
    apps = [
        {
            "name": row.name,
            "base_url": page.scim_base_url(row.name),
            "created": row.created,
            "settings": AppSettings.from_json(row.settings),
        }
        for row in page.store.list_apps()
    ]
    return page.render(
        "apps.html",
        status,
        apps=apps,
        error=error,
        name=name,
        name_pattern=APP_NAME.pattern,
        deleted=page.param("deleted"),
    )


async def apps_page(page: Page) -> Response:
    return _apps_page(page)


async def create_app(page: Page) -> Response:
    """Create the app; the answer is the only page that ever shows its token."""
    name = page.field("name").strip()
    settings = page.server.settings.default_app_settings
    try:
        row, token = open_app(page.store, name, settings, label="console")
    except ScimError as error:
        return _apps_page(page, error=error.detail, name=name, status=error.status)
    return page.render(
        "app_created.html",
        201,
        name=row.name,
        base_url=page.scim_base_url(row.name),
        token=token["token"],
    )


async def app_home(page: Page) -> Response:
    return page.redirect(f"{ROOT}/apps/{page.app.name}/provisioning")


async def delete_confirm(page: Page) -> Response:
    return page.render("app_delete.html", error="", tab="provisioning")


async def delete_app(page: Page) -> Response:
    name = page.app.name
    if page.field("confirm") != name:
        error = f"Type the app's name, {name}, to delete it. Nothing was deleted."
        return page.render("app_delete.html", 400, error=error, tab="provisioning")
    remove_app(page.store, name)
    return page.redirect(f"{ROOT}/apps?deleted={name}")
