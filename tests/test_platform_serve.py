"""`scim-harness serve --mapping FILE --delete-on-deactivate`, end to end over a real socket."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from platform_support import mapping, patch_op
from serve_support import refused, serving
from support import user_body

from scim_harness import fixtures


def test_a_bad_mapping_file_is_one_line_naming_the_row_and_exit_2(tmp_path: Path) -> None:
    """A mapping with a bad row stops serve before it binds: exit 2, one line on stderr."""
    data = mapping("default")
    data["users"][3]["scim"] = 'emails[type eq "work"'
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    done = refused("--mapping", str(bad))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"scim-harness serve: error: mapping file {bad}: invalid mapping: ")
    assert 'users[3] (platform "email")' in lines[0]
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("{", "malformed JSON at line 1 column 2", id="malformed"),
        pytest.param("[]", "invalid mapping: mapping: [] is not of type 'object'", id="array"),
    ],
)
def test_a_mapping_file_that_is_no_mapping_isrefused(
    tmp_path: Path, content: str, expected: str
) -> None:
    """Malformed JSON or a non-object is refused the same way."""
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    done = refused("--mapping", str(bad))
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_mapping_file_isrefused(tmp_path: Path) -> None:
    """A mapping path that does not exist is exit 2 with the OS error."""
    done = refused("--mapping", str(tmp_path / "absent.json"))
    assert done.returncode == 2
    assert "absent.json" in done.stderr


def test_serve_with_a_mapping_file_maps_and_deletes_on_deactivation() -> None:
    """--mapping example-extended.json: custom rows in the record, and its deletion option on."""
    path = fixtures.path("mappings", "example-extended.json")
    with serving("--mapping", str(path)) as served:
        scim = httpx.Client(
            base_url=served.base, headers={"Authorization": f"Bearer {served.token}"}
        )
        admin = httpx.Client(
            base_url=served.admin, headers={"Authorization": f"Bearer {served.admin_token}"}
        )
        with scim, admin:
            created = scim.post("/Users", json=user_body("live.user", title="Navigator"))
            assert created.status_code == 201, created.text
            uid = created.json()["id"]
            [record] = admin.get("/apps/demo/directory/users").json()["Resources"]
            assert record["id"] == uid
            assert record["attributes"] == {"title": "Navigator"}
            assert admin.get("/apps/demo/settings").json()["deleteOnDeactivate"] is True
            off = patch_op({"op": "replace", "path": "active", "value": False})
            assert scim.patch(f"/Users/{uid}", json=off).status_code == 204
            assert scim.get(f"/Users/{uid}").status_code == 404
            assert admin.get("/apps/demo/directory/users").json()["totalResults"] == 0


def test_the_flag_turns_deletion_on_over_a_mapping_that_says_off() -> None:
    """--delete-on-deactivate wins over the default mapping's deleteOnDeactivate: false."""
    path = fixtures.path("mappings", "default.json")
    with serving("--mapping", str(path), "--delete-on-deactivate") as served:
        admin = httpx.Client(
            base_url=served.admin, headers={"Authorization": f"Bearer {served.admin_token}"}
        )
        with admin:
            settings = admin.get("/apps/demo/settings").json()
            assert settings["deleteOnDeactivate"] is True
