"""bulkId references found, replaced, and ordered (RFC 7644 §3.7.1-§3.7.2)."""

from __future__ import annotations

from typing import Any

import pytest
from scim_harness.reference_server.patch.bulk_plan import plan, references, substitute


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"members": [{"value": "bulkId:q"}]}, ["q"], id="member-value"),
        pytest.param({"a": {"b": [["bulkId:x", "bulkId:y", "bulkId:x"]]}}, ["x", "y"], id="deep"),
        pytest.param({"path": 'members[value eq "bulkId:q"]'}, ["q"], id="quoted-in-filter"),
        pytest.param({"bulkId:key": "plain"}, [], id="keys-are-not-references"),
        pytest.param({"v": "bulkId:"}, [], id="empty-reference"),
        pytest.param({"v": "prefix bulkId:q"}, [], id="unquoted-inside-text"),
        pytest.param({"n": 1, "b": True, "z": None}, [], id="no-strings"),
    ],
)
def test_references_finds_bulk_ids_in_values(value: Any, expected: list[str]) -> None:
    """Whole string values and quoted filter operands are references; keys are not."""
    assert references(value) == expected


def test_substitute_replaces_known_references_and_keeps_the_rest() -> None:
    """Known bulkIds become ids; unknown ones stay, and the input is not modified."""
    data = {
        "members": [{"value": "bulkId:q"}, {"value": "bulkId:other"}],
        "path": 'members[value eq "bulkId:q"]',
    }
    out = substitute(data, {"q": "id-1"})
    assert out == {
        "members": [{"value": "id-1"}, {"value": "bulkId:other"}],
        "path": 'members[value eq "id-1"]',
    }
    assert data["members"][0]["value"] == "bulkId:q"


def test_operations_without_references_keep_request_order() -> None:
    """With no references the plan is the request order."""
    result = plan(["a", None, "c"], [[], [], []])
    assert (result.order, result.circular) == ([0, 1, 2], frozenset())


def test_a_referenced_post_runs_before_its_first_referrer() -> None:
    """Operation 0 refers to 2, which refers to 3: the plan runs 3, 2, 0, then 1."""
    result = plan([None, None, "two", "three"], [["two"], [], ["three"], []])
    assert result.order == [3, 2, 0, 1]
    assert result.circular == frozenset()


def test_cycles_are_found_and_unknown_references_ignored() -> None:
    """0 and 1 refer to each other, 2 to itself; 3 refers to the cycle; 'zzz' is nobody's."""
    result = plan(["a", "b", "c", None], [["b"], ["a"], ["c"], ["a", "zzz"]])
    assert result.circular == frozenset({0, 1, 2})
    assert sorted(result.order) == [0, 1, 2, 3]
    assert result.order.index(3) > result.order.index(0)


def test_a_long_chain_does_not_exhaust_the_stack() -> None:
    """5000 operations each referring to the next are ordered without recursion."""
    n = 5000
    result = plan(
        [f"b{i}" for i in range(n)], [[f"b{i + 1}"] if i + 1 < n else [] for i in range(n)]
    )
    assert result.order == list(reversed(range(n)))
