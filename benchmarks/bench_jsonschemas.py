"""Print how long JSON Schema validation of a User takes (no assertions: figures only).

python benchmarks/bench_jsonschemas.py
"""

from __future__ import annotations

import timeit
from typing import Any

from scim_harness.reference_server.protocol.jsonschemas import validation_errors, validator

from scim_harness import fixtures

__all__ = ["main"]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# Shaped like an Entra ID create (see shared CLIENT_BEHAVIOUR.md), after name normalisation.
ENTRA_CREATE: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
    "externalId": "a1b2c3",
    "userName": "ada@example.com",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "ada@example.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
    "roles": [],
    "displayName": "Ada Lovelace",
    ENTERPRISE: {"department": "Engines", "employeeNumber": "1815"},
}


def main() -> None:
    cases = {
        "RFC 7643 §8.1 minimal user": fixtures.load_json(
            "samples", "rfc7643-8.1-user-minimal.json"
        ),
        "Entra-shaped create": ENTRA_CREATE,
        "RFC 7643 §8.3 full enterprise user": fixtures.load_json(
            "samples", "rfc7643-8.3-enterprise-user.json"
        ),
    }
    validator("user")  # compile outside the timing
    number = 2000
    for label, instance in cases.items():

        def run(body: Any = instance) -> list[str]:
            return validation_errors("user", body)

        best = min(timeit.repeat(run, number=number, repeat=5))
        print(f"{label:40s} {best / number * 1e6:8.0f} us per validation")


if __name__ == "__main__":
    main()
