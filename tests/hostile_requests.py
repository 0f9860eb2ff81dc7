"""Hostile SCIM requests: bodies, filters, paths, query strings and headers no client should
send, each carrying secrets where secrets go (password members, credential headers and
query parameters) so that a test can search everything written for them afterwards.

One generator serves the Hypothesis test (``tests/test_fuzz_hostile.py``, draws shrink) and
the long run (``benchmarks/fuzz_hostile.py``, a seeded ``random.Random``): both hand it a
:class:`Chooser`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

T = TypeVar("T")
BASE = "/apps/demo/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class Chooser(Protocol):
    def pick(self, options: Sequence[T]) -> T: ...
    def integer(self, low: int, high: int) -> int: ...
    def chance(self) -> bool: ...


class RandomChooser:
    """Choices from a seeded ``random.Random`` (fast; for the long run)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def chance(self) -> bool:
        return self.rng.random() < 0.5


@dataclass
class Hostile:
    """One request, and the secrets it carries where secrets go."""

    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    secrets: list[str] = field(default_factory=list)


class _Builder:
    def __init__(self, c: Chooser, token: str, ids: Sequence[str], serial: int) -> None:
        self.c = c
        self.token = token
        self.ids = ids
        self.serial = serial
        self.secrets: list[str] = []

    def secret(self) -> str:
        value = f"Sx{self.serial}q{len(self.secrets)}-{self.c.integer(100000, 999999)}"
        self.secrets.append(value)
        return value

    def number(self) -> Any:
        return self.c.pick(
            [0, -1, 1, 2**31, 2**63 - 1, 1.5, 1e300, -(2**62), True, "7", None, "9" * 30]
        )

    def huge_number_text(self) -> str:
        return self.c.pick(["9" * 5000, str(2**63), str(-(2**63) - 1), "1e999", "NaN", "-Infinity"])

    def odd_string(self) -> str:
        return self.c.pick(
            [
                "",
                " ",
                "x" * 3000,
                "Zoë Ægir",
                '"quoted"',
                "back\\slash",
                "nul\u0000",
                "%00",
                "\u202e",
            ]
        )

    def password_value(self) -> Any:
        s = self.secret()
        return self.c.pick([s, [s], {"value": s}, {"deep": [{"x": s}]}, s * 50, [1, s]])

    # -- filters ----------------------------------------------------------------------------

    def filter_leaf(self) -> str:
        attr = self.c.pick(
            [
                "userName", "title", "emails.value", "emails", "name.familyName", "meta.created",
                "active", "members.value", "nosuch", "urn:x:y", "displayName", "id",
                'emails[type eq "work"].value', "password", "9abc",
            ]
        )  # fmt: skip
        op = self.c.pick(["eq", "ne", "co", "sw", "gt", "le", "pr", "EQ", "xx", ""])
        if op in ("pr", ""):
            return f"{attr} {op}".strip()
        value = self.c.pick(
            [
                '"x"', '"\\ud800"', '"\\u0000"', '"a\\"b"', "true", "null", "12",
                self.huge_number_text(), '"2011-05-13T04:42:34Z"', "unquoted", '"unterminated',
            ]
        )  # fmt: skip
        if attr == "password":
            value = json.dumps(self.secret())
        return f"{attr} {op} {value}"

    def filter(self, depth: int = 0) -> str:
        kind = self.c.integer(0, 9)
        if kind == 0 and depth < 12:
            return f"not ({self.filter(depth + 1)})"
        if kind == 1 and depth < 12:
            return f"({self.filter(depth + 1)})"
        if kind == 2 and depth < 12:
            return f"emails[{self.filter(depth + 1)}]"
        if kind == 3:
            word = self.c.pick([" or ", " and ", " OR "])
            leaf = self.filter_leaf()
            count = min(self.c.pick([2, 99, 101, 150, 1000]), 40_000 // len(leaf))
            return word.join([leaf] * max(count, 2))  # within what a client may put in a URL
        if kind == 4:
            levels = self.c.pick([8, 9, 40, 1000])
            return "(" * levels + self.filter_leaf() + ")" * levels
        if kind == 5:
            return self.c.pick(["", ")", "[", "and", '"', "\\", "a" * 5000, "userName eq"])
        if kind == 6 and depth < 12:
            return f"{self.filter(depth + 1)} {self.c.pick(['and', 'or'])} {self.filter(depth + 1)}"
        return self.filter_leaf()

    # -- bodies -----------------------------------------------------------------------------

    def user(self) -> dict[str, Any]:
        n = self.c.integer(0, 10**6)
        body: dict[str, Any] = {
            "schemas": self.c.pick([[USER], [], "x", [USER, "urn:unknown"]]),
            "userName": self.c.pick([f"fuzz{n}", self.number(), self.odd_string()]),
            "name": self.c.pick([{"givenName": "F", "familyName": "Z"}, "flat", [], None]),
            "emails": self.c.pick([[{"value": f"f{n}@example.com", "type": "work"}], {"value": 1}]),
            "active": self.c.pick([True, "False", 0, None]),
        }
        if self.c.chance():
            body[self.c.pick(["password", "PASSWORD", "Password", f"{USER}:password"])] = (
                self.password_value()
            )
        if self.c.chance():
            body[self.c.pick(["x", "meta", "id", "groups", "nickName"])] = self.any_json(2)
        return body

    def patch(self) -> dict[str, Any]:
        ops = []
        for _ in range(self.c.integer(0, 3)):
            path = self.c.pick(
                [
                    "password", "PASSWORD", f"{USER}:password", "password[value eq 1]", "title",
                    "members", 'members[value eq "x"]', "emails[type eq", "name.nosuch", None, 7,
                ]
            )  # fmt: skip
            op: dict[str, Any] = {"op": self.c.pick(["add", "Replace", "remove", "bogus", 3])}
            if path is not None:
                op["path"] = path
            is_password = isinstance(path, str) and "password" in path.lower()
            if is_password:
                op["value"] = self.password_value()
            elif self.c.chance():
                choices = [
                    {"password": self.password_value()},
                    [{"value": self.c.pick(self.ids)}],
                    self.any_json(2),
                ]
                op["value"] = self.c.pick(choices)
            ops.append(op)
        return {"schemas": self.c.pick([[PATCH], []]), "Operations": ops}

    def bulk(self) -> dict[str, Any]:
        ops = []
        for i in range(self.c.integer(0, 3)):
            method = self.c.pick(["POST", "PUT", "PATCH", "DELETE", "GET"])
            target = self.c.pick(["/Users", f"/Users/{self.c.pick(self.ids)}", "/Groups", "x"])
            data = self.patch() if method == "PATCH" else self.user()
            ops.append({"method": method, "path": target, "bulkId": f"b{i}", "data": data})
        return {"schemas": [BULK], "failOnErrors": self.number(), "Operations": ops}

    def search(self) -> dict[str, Any]:
        return {
            "schemas": [SEARCH],
            "filter": self.filter(),
            "startIndex": self.number(),
            "count": self.number(),
            "sortBy": self.c.pick(["userName", "9" * 50, "", "emails[type eq"]),
        }

    def any_json(self, depth: int) -> Any:
        if depth <= 0 or self.c.chance():
            return self.c.pick([None, True, 0, -1.5, "s", self.odd_string(), self.number()])
        if self.c.chance():
            return [self.any_json(depth - 1) for _ in range(self.c.integer(0, 3))]
        return {self.c.pick(["a", "B", "password", "value"]): self.any_json(depth - 1)}

    def body(self, path: str) -> bytes:
        kind = self.c.integer(0, 11)
        if kind <= 3:
            if "Bulk" in path:
                value: Any = self.bulk()
            elif "search" in path:
                value = self.search()
            elif self.c.chance():
                value = self.patch()
            else:
                value = self.user()
            text = json.dumps(value, ensure_ascii=self.c.chance())
            if self.c.chance():  # an escape a parser must refuse, spliced into a string
                text = text.replace(
                    '"F"', self.c.pick(['"\\ud800"', '"\\u0000"', '"\\udfff x"']), 1
                )
            return text.encode()
        secret = self.secret()
        raw = {
            4: lambda: f'{{"userName": "x", "password": "{secret}"'.encode(),
            5: lambda: json.dumps({"userName": "u", "password": secret}).encode(
                self.c.pick(["utf-16", "utf-32", "utf-16-le"])
            ),
            6: lambda: (b'{"a":' * self.c.pick([33, 500, 2000])) + b"1",
            7: lambda: b'{"userName": ' + self.huge_number_text().encode() + b"}",
            8: lambda: bytes(self.c.integer(0, 255) for _ in range(self.c.integer(0, 64))),
            9: lambda: f"password={secret}&p%61ssword={secret}".encode(),
            10: lambda: f'{{"p\\u0061ssword": "{secret}", bad}}'.encode(),
        }
        return raw.get(kind, lambda: b"")()

    # -- the request ------------------------------------------------------------------------

    def query(self) -> str:
        params: list[tuple[str, str]] = []
        makers: list[Callable[[], tuple[str, str]]] = [
            lambda: ("filter", self.filter()),
            lambda: (self.c.pick(["startIndex", "count", "STARTINDEX"]), str(self.number())),
            lambda: ("startIndex", self.huge_number_text()),
            lambda: ("sortBy", self.c.pick(["userName", "9" * 5000, "emails[", "name.familyName"])),
            lambda: ("attributes", self.c.pick(["userName", "password", "", ",,", "urn:x"])),
            lambda: (
                self.c.pick(["access_token", "ACCESS_TOKEN", "api_key", "token"]),
                self.secret(),
            ),
            lambda: ("x", f"Bearer {self.secret()}"),
        ]
        for _ in range(self.c.integer(0, 3)):
            params.append(self.c.pick(makers)())
        encoded = [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params]
        while sum(map(len, encoded)) > 50_000:  # past ~64 KiB an HTTP client refuses the URL
            encoded.remove(max(encoded, key=len))
        if self.c.chance():
            encoded.append(f"access_t%6Fken={self.secret()}")
        return "&".join(encoded)

    def headers(self, has_body: bool) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        auth = self.c.integer(0, 12)
        if auth <= 5 or auth > 9:
            headers.append(("Authorization", f"Bearer {self.token}"))
        elif auth == 6:
            headers.append(("Authorization", f"Bearer {self.token}"))
            headers.append(("Authorization", f"Bearer {self.secret()}"))
        elif auth == 7:
            headers.append(("Authorization", self.c.pick(["Bearer ", "Basic "]) + self.secret()))
        elif auth == 8:
            headers.append(("Authorization", self.secret()))
        if has_body or self.c.chance():
            media = self.c.pick(
                [
                    "application/scim+json", "application/json", "text/plain", "",
                    "application/scim+json; charset=utf-16", "application/x-www-form-urlencoded",
                ]
            )  # fmt: skip
            if media:
                headers.append(("Content-Type", media))
        if self.c.chance():
            name = self.c.pick(["X-Auth-Token", "X-Api-Key", "Cookie", "Proxy-Authorization"])
            headers.append((name, self.secret()))
        if self.c.chance():
            headers.append(
                (self.c.pick(["If-Match", "If-None-Match"]), self.c.pick(['W/"1"', "*", "x", ""]))
            )
        return headers

    def path(self) -> str:
        rid = self.c.pick(
            [*self.ids, "nope", "%2e%2e", "a" * 3000, "Zo%C3%AB", "%ff%fe", ".search"]
        )
        return self.c.pick(
            [
                "/Users", "/Groups", f"/Users/{rid}", f"/Groups/{rid}", "/Users/.search",
                "/.search", "/Bulk", "/ServiceProviderConfig", "/Schemas", f"/Schemas/{rid}",
                "/ResourceTypes/User", "/Me", "/users", "", f"/Users/{rid}/x", "/%00",
            ]
        )  # fmt: skip


def hostile_request(c: Chooser, token: str, ids: Sequence[str], serial: int) -> Hostile:
    """One hostile request to app ``demo``, signed with ``token`` most of the time."""
    b = _Builder(c, token, ids, serial)
    rid = c.pick(ids)
    if c.integer(0, 3):  # mostly a method the path serves, so the bodies get read
        method, path = c.pick(
            [
                ("POST", "/Users"), ("POST", "/Groups"), ("PUT", f"/Users/{rid}"),
                ("PATCH", f"/Users/{rid}"), ("PATCH", f"/Groups/{rid}"), ("PUT", f"/Groups/{rid}"),
                ("GET", "/Users"), ("GET", "/Groups"), ("POST", "/Users/.search"),
                ("POST", "/.search"), ("POST", "/Bulk"), ("GET", f"/Users/{rid}"),
                ("DELETE", f"/Groups/{rid}"),
            ]
        )  # fmt: skip
        path = BASE + path
    else:
        method = c.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
        path = BASE + b.path()
    has_body = method in ("POST", "PUT", "PATCH") or c.integer(0, 7) == 0
    body = b.body(path) if has_body else None
    query = b.query()
    headers = b.headers(body is not None)
    headers.append(("X-Fuzz-Id", str(serial)))
    return Hostile(method, path, query, headers, body, b.secrets)


def problems(
    request: Hostile, status: int, content: bytes, record: str | None, token: str
) -> list[str]:
    """What is wrong with how the server answered and recorded ``request`` (empty: nothing)."""
    found: list[str] = []
    allowed_5xx = request.path.endswith("/Me") and status == 501
    if status >= 500 and not allowed_5xx:
        found.append(f"status {status}")
    if 400 <= status < 500 and request.method != "HEAD":
        try:
            body = json.loads(content)
            ok = body.get("schemas") == [ERROR] and body.get("status") == str(status)
        except (ValueError, AttributeError):
            ok = False
        if not ok:
            found.append(f"{status} without a SCIM error body: {content[:200]!r}")
    if record is None:
        found.append("not in the request record")
    texts = [content.decode("utf-8", "replace"), record or ""]
    for secret in [*request.secrets, token]:
        for text in texts:
            if secret in text:
                found.append(f"secret {secret[:12]}... written down")
    return found
