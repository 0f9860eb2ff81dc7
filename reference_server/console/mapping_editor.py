"""The Attribute mapping tab: a table editor of the app's mapping, import and export as JSON.

The editor posts rows as ``users-3-platform``, ``users-3-scim``, ``users-3-required`` and
``users-3-transform``. The mapping they make is checked by
:func:`~scim_harness.reference_server.platform.mapping.mapping_problems`, the same check and
the same messages as the admin API's ``PUT /admin/apps/{app}/mapping``; each message is shown
on the row it names. The rows the platform requires (the six user attributes and Group Name)
are shown locked, and a form that drops one or makes it optional is refused by that check.
"""

from __future__ import annotations

import json
import re
from typing import Any

from scim_harness.reference_server.admin.api import store_mapping
from scim_harness.reference_server.console.web import ROOT, Page
from scim_harness.reference_server.platform.mapping import (
    mapping_for,
    mapping_problems,
    platform_fields,
)
from scim_harness.reference_server.platform.mapping_rows import TRANSFORMS
from scim_harness.reference_server.settings import AppSettings
from starlette.responses import Response

__all__ = ["export_mapping", "import_mapping", "mapping_page", "save_mapping"]

KINDS = ("users", "groups")
_FIELD = re.compile(r"(users|groups)-(\d{1,4})-(platform|scim|required|transform)")
_PROBLEM = re.compile(r'(users|groups)\[(\d+)\](?: \(platform "[^"]*"\))?: ')


def _in_force(page: Page) -> dict[str, Any]:
    """The app's mapping (the default when it set none); its option shows the app's setting."""
    row = page.app
    settings = AppSettings.from_json(row.settings)
    data = dict(mapping_for(row.mapping).data)
    data["options"] = {**data["options"], "deleteOnDeactivate": settings.delete_on_deactivate}
    return data


def _editor_rows(data: dict[str, Any], problems: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Rows to show per kind, each with its problems, and the problems naming no row."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        locked = set(platform_fields(kind).required)
        given = data.get(kind) if isinstance(data.get(kind), list) else []
        rows[kind] = [
            {
                "platform": str(r.get("platform", "")) if isinstance(r, dict) else "",
                "scim": str(r.get("scim", "")) if isinstance(r, dict) else "",
                "required": bool(r.get("required")) if isinstance(r, dict) else False,
                "transform": str(r.get("transform") or "") if isinstance(r, dict) else "",
                "locked": isinstance(r, dict) and r.get("platform") in locked,
                "errors": [],
            }
            for r in given or []
        ]
    general: list[str] = []
    for problem in problems:
        found = _PROBLEM.match(problem)
        index = int(found.group(2)) if found else -1
        if found and index < len(rows[found.group(1)]):
            rows[found.group(1)][index]["errors"].append(problem)
        else:
            general.append(problem)
    return rows, general


def _editor(
    page: Page,
    data: dict[str, Any],
    problems: list[str] | None = None,
    *,
    status: int = 200,
    import_text: str = "",
    import_error: str = "",
) -> Response:
    rows, general = _editor_rows(data, problems or [])
    return page.render(
        "mapping.html",
        status,
        tab="mapping",
        rows=rows,
        general=general,
        name=str(data.get("name") or ""),
        description=str(data.get("description") or ""),
        transforms=sorted(TRANSFORMS),
        required_names={k: sorted(platform_fields(k).required) for k in KINDS},
        notice=_NOTICES.get(page.param("done"), ""),
        import_text=import_text,
        import_error=import_error,
        problem_count=len(problems or []),
    )


_NOTICES = {
    "saved": "Mapping saved.",
    "imported": "Mapping imported; its deleteOnDeactivate option is now the app's setting.",
}


async def mapping_page(page: Page) -> Response:
    return _editor(page, _in_force(page))


def _rows_from_form(page: Page) -> dict[str, list[dict[str, Any]]]:
    cells: dict[tuple[str, int], dict[str, str]] = {}
    for key, values in page.form.items():
        found = _FIELD.fullmatch(key)
        if found:
            cells.setdefault((found.group(1), int(found.group(2))), {})[found.group(3)] = values[0]
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for (kind, _), cell in sorted(cells.items()):
        platform, scim = cell.get("platform", "").strip(), cell.get("scim", "").strip()
        if not platform and not scim:
            continue  # a blank row left in the editor
        row: dict[str, Any] = {"platform": platform, "scim": scim}
        row["required"] = cell.get("required") == "on"
        if cell.get("transform"):
            row["transform"] = cell["transform"]
        rows[kind].append(row)
    return rows


async def save_mapping(page: Page) -> Response:
    current = _in_force(page)
    data: dict[str, Any] = {"name": page.field("name").strip() or current["name"]}
    if page.field("description").strip():
        data["description"] = page.field("description").strip()
    data.update(_rows_from_form(page))
    # The editor leaves the deletion option to the Provisioning tab: keep the app's setting.
    data["options"] = {"deleteOnDeactivate": current["options"]["deleteOnDeactivate"]}
    problems = mapping_problems(data)
    if problems:
        return _editor(page, data, problems, status=400)
    store_mapping(page.store, page.app, data)
    return page.redirect(f"{ROOT}/apps/{page.app.name}/mapping?done=saved")


async def import_mapping(page: Page) -> Response:
    text = page.field("json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        error = f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        return _editor(page, _in_force(page), status=400, import_text=text, import_error=error)
    problems = mapping_problems(data)
    if problems:
        if isinstance(data, dict) and all(isinstance(data.get(k), list) for k in KINDS):
            # Shown in the editor, row by row, for fixing; nothing is stored yet.
            return _editor(page, data, problems, status=400)
        error = "invalid mapping: " + "; ".join(problems)
        return _editor(page, _in_force(page), status=400, import_text=text, import_error=error)
    store_mapping(page.store, page.app, data)
    return page.redirect(f"{ROOT}/apps/{page.app.name}/mapping?done=imported")


async def export_mapping(page: Page) -> Response:
    body = json.dumps(_in_force(page), indent=2, ensure_ascii=False) + "\n"
    filename = f"{page.app.name}-mapping.json"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    response = Response(body, media_type="application/json", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
