"""The fast validator (jsonschema-rs) and the Python one agree on every verdict."""

from __future__ import annotations

import copy
import glob
import json
import random
from pathlib import Path
from typing import Any

import pytest
from scim_harness.reference_server.protocol import jsonschemas

from scim_harness import fixtures

SAMPLES = sorted(glob.glob(str(fixtures.path("samples") / "*.json")))
CHECKED = (
    "user",
    "group",
    "patch-op",
    "bulk-request",
    "bulk-response",
    "list-response",
    "error",
    "search-request",
    "directory-user",
    "directory-group",
    "mapping",
)
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    "",
    "x",
    "False",
    [],
    {},
    [1],
    {"a": 1},
    "2011-05-13T04:42:34Z",
    "not a date",
]


def _slow_is_valid(name: str, instance: Any) -> bool:
    return not any(True for _ in jsonschemas.validator(name).iter_errors(instance))


def _mutations(instance: Any, rng: random.Random, count: int) -> list[Any]:
    """Copies of ``instance`` with one value somewhere replaced by an odd one."""
    out = []
    for _ in range(count):
        mutated = copy.deepcopy(instance)
        node = mutated
        for _depth in range(rng.randint(1, 4)):
            if isinstance(node, dict) and node:
                key = rng.choice(sorted(node))
                if rng.random() < 0.3 or not isinstance(node[key], dict | list):
                    node[key] = copy.deepcopy(rng.choice(ODD_VALUES))
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                index = rng.randrange(len(node))
                if rng.random() < 0.3 or not isinstance(node[index], dict | list):
                    node[index] = copy.deepcopy(rng.choice(ODD_VALUES))
                    break
                node = node[index]
            else:
                break
        out.append(mutated)
    return out


@pytest.mark.parametrize("sample", SAMPLES, ids=[Path(s).stem for s in SAMPLES])
def test_fast_and_python_validators_agree_on_samples_and_their_mutations(sample: str) -> None:
    """Every sample, and 40 seeded mutations of it, get the same verdict from both validators."""
    instance = json.loads(Path(sample).read_text(encoding="utf-8"))
    rng = random.Random(sample)
    for candidate in [instance, *_mutations(instance, rng, 40)]:
        for name in CHECKED:
            fast = jsonschemas.is_valid(name, candidate)
            assert fast == _slow_is_valid(name, candidate), (name, candidate)


def test_invalid_instances_still_get_python_messages() -> None:
    """The fast path only answers "valid"; errors keep their attribute-naming messages."""
    messages = jsonschemas.validation_errors("user", {"schemas": [], "userName": 42})
    assert any(m.startswith("userName:") for m in messages)
