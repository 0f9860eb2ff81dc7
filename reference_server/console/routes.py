"""The console's routes: every page behind :func:`~.web.view` (session, CSRF, app lookup)."""

from __future__ import annotations

from scim_harness.reference_server.console import (
    apps,
    conformance,
    directory,
    mapping_editor,
    provisioning,
    requests_log,
    signin,
)
from scim_harness.reference_server.console.web import ROOT, ConsoleHandler, view
from starlette.routing import BaseRoute, Route

__all__ = ["console_routes"]

_APP = ROOT + "/apps/{app}"


def _page(path: str, handler: ConsoleHandler, method: str = "GET", **options: bool) -> Route:
    return Route(path, view(handler, **options), methods=[method])


def _app_page(path: str, handler: ConsoleHandler, method: str = "GET") -> Route:
    return _page(_APP + path, handler, method, app=True)


def console_routes() -> list[BaseRoute]:
    """``/`` (a redirect) and everything under ``/console``."""
    return [
        Route("/", signin.to_console, methods=["GET"]),
        Route(ROOT + "/static/{name}", signin.static_file, methods=["GET"]),
        _page(ROOT, signin.home),
        _page(ROOT + "/", signin.home),
        _page(ROOT + "/sign-in", signin.sign_in_form, signed_in=False),
        _page(ROOT + "/sign-in", signin.sign_in, "POST", signed_in=False, csrf=False),
        _page(ROOT + "/sign-out", signin.sign_out, "POST"),
        _page(ROOT + "/checks", conformance.checks_page),
        _page(ROOT + "/apps", apps.apps_page),
        _page(ROOT + "/apps", apps.create_app, "POST"),
        _app_page("", apps.app_home),
        _app_page("/delete", apps.delete_confirm),
        _app_page("/delete", apps.delete_app, "POST"),
        _app_page("/provisioning", provisioning.provisioning),
        _app_page("/settings", provisioning.save_settings, "POST"),
        _app_page("/tokens", provisioning.new_token, "POST"),
        _app_page("/tokens/{token_id}/revoke", provisioning.revoke_token, "POST"),
        _app_page("/mapping", mapping_editor.mapping_page),
        _app_page("/mapping", mapping_editor.save_mapping, "POST"),
        _app_page("/mapping/import", mapping_editor.import_mapping, "POST"),
        _app_page("/mapping.json", mapping_editor.export_mapping),
        _app_page("/directory", directory.directory),
        _app_page("/requests", requests_log.requests_page),
        _app_page("/requests/feed", requests_log.feed),
        _app_page("/conformance", conformance.conformance_page),
        _app_page("/conformance/run", conformance.run, "POST"),
        _app_page("/conformance/status", conformance.status),
        _app_page("/conformance/{side}/report", conformance.report),
        # Last: any other console path is an HTML 404 (for a signed-in user).
        Route(ROOT + "/{rest:path}", view(signin.not_found), methods=["GET", "POST"]),
    ]
