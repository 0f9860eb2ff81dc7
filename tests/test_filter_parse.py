"""The RFC 7644 §3.4.2.2 filter grammar: ASTs, precedence, case, escapes, errors, nesting."""

from __future__ import annotations

import re

import pytest
from scim_harness.reference_server.protocol.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
)
from scim_harness.reference_server.protocol.schema import ENTERPRISE_USER, resource_type
from scim_harness.reference_server.query import filters
from scim_harness.reference_server.query.filters import (
    MAX_NESTING,
    MAX_TERMS,
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    PatchPath,
    Present,
    ValuePath,
    format_filter,
    format_patch_path,
    matches,
    parse_attr_path,
    parse_filter,
    parse_patch_path,
)

USER = resource_type("User")
GROUP = resource_type("Group")


def p(attr: str, sub: str | None = None, uri: str | None = None) -> AttrPath:
    return AttrPath(uri, attr, sub)


def eq(path: AttrPath, value: str | int | float | bool | None) -> Compare:
    return Compare(path, "eq", value)


A, B, C = Present(p("title")), Present(p("nickName")), Present(p("locale"))

PARSED = [
    pytest.param('userName eq "bjensen"', eq(p("userName"), "bjensen"), id="rfc-eq"),
    pytest.param(
        'name.familyName co "O\'Malley"',
        Compare(p("name", "familyName"), "co", "O'Malley"),
        id="rfc-sub-attribute",
    ),
    pytest.param('userName sw "J"', Compare(p("userName"), "sw", "J"), id="rfc-sw"),
    pytest.param(
        'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
        Compare(p("userName"), "sw", "J"),
        id="rfc-core-urn-prefix-dropped",
    ),
    pytest.param("title pr", Present(p("title")), id="rfc-pr"),
    pytest.param(
        'meta.lastModified gt "2011-05-13T04:42:34Z"',
        Compare(p("meta", "lastModified"), "gt", "2011-05-13T04:42:34.000000Z"),
        id="rfc-datetime-normalised",
    ),
    pytest.param(
        'meta.lastModified lt "2011-05-13T06:42:34+02:00"',
        Compare(p("meta", "lastModified"), "lt", "2011-05-13T04:42:34.000000Z"),
        id="datetime-offset-to-utc",
    ),
    pytest.param(
        'title pr and userType eq "Employee"',
        And(Present(p("title")), eq(p("userType"), "Employee")),
        id="rfc-and",
    ),
    pytest.param(
        'title pr or userType eq "Intern"',
        Or(Present(p("title")), eq(p("userType"), "Intern")),
        id="rfc-or",
    ),
    pytest.param(
        'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
        eq(p("schemas"), ENTERPRISE_USER),
        id="rfc-schemas",
    ),
    pytest.param(
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        And(
            eq(p("userType"), "Employee"),
            Or(
                Compare(p("emails", "value"), "co", "example.com"),
                Compare(p("emails", "value"), "co", "example.org"),
            ),
        ),
        id="rfc-grouping-and-implicit-value",
    ),
    pytest.param(
        'userType ne "Employee" and not (emails co "example.com")',
        And(
            Compare(p("userType"), "ne", "Employee"),
            Not(Compare(p("emails", "value"), "co", "example.com")),
        ),
        id="rfc-not",
    ),
    pytest.param(
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        And(
            eq(p("userType"), "Employee"),
            ValuePath(
                p("emails"),
                And(eq(p("type"), "work"), Compare(p("value"), "co", "@example.com")),
            ),
        ),
        id="rfc-value-path",
    ),
    pytest.param(
        'emails[type eq "work"].value eq "bj@example.com"',
        ValuePath(p("emails"), And(eq(p("type"), "work"), eq(p("value"), "bj@example.com"))),
        id="entra-value-path-sub-attribute",
    ),
    pytest.param(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour"',
        eq(p("department", uri=ENTERPRISE_USER), "Tour"),
        id="extension-attribute",
    ),
    pytest.param(
        'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:MANAGER.VALUE eq "26118915"',
        eq(p("manager", "value", uri=ENTERPRISE_USER), "26118915"),
        id="extension-sub-attribute-any-case",
    ),
    pytest.param("active eq true", eq(p("active"), True), id="boolean"),
    pytest.param("active EQ FALSE", eq(p("active"), False), id="boolean-upper-case"),
    pytest.param("title eq null", eq(p("title"), None), id="null"),
    pytest.param("title ne NULL", Compare(p("title"), "ne", None), id="null-upper-case"),
    pytest.param("foo gt 1.5e3", Compare(p("foo"), "gt", 1500.0), id="unknown-attribute-number"),
    pytest.param("foo eq -12", eq(p("foo"), -12), id="negative-integer"),
    pytest.param('USERNAME Eq "x"', eq(p("userName"), "x"), id="case-insensitive-names"),
    pytest.param(
        'Emails.VALUE Co "x" AnD NOT (Title Pr) oR Active eQ True',
        Or(
            And(Compare(p("emails", "value"), "co", "x"), Not(Present(p("title")))),
            eq(p("active"), True),
        ),
        id="case-insensitive-keywords",
    ),
    pytest.param('userName  eq\t"x"', eq(p("userName"), "x"), id="extra-whitespace"),
    pytest.param("members.$ref pr", Present(p("members", "$ref")), id="dollar-ref"),
    pytest.param('foo.bar eq "x"', eq(p("foo", "bar"), "x"), id="unknown-kept-as-written"),
    pytest.param('name.nope eq "x"', eq(p("name", "nope"), "x"), id="unknown-sub-kept"),
    pytest.param("not(title pr)", Not(Present(p("title"))), id="not-without-space"),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_filter_parses_to_the_expected_ast(text: str, expected: Filter) -> None:
    """Each RFC 7644 §3.4.2.2 form parses to its AST with canonical attribute names."""
    assert parse_filter(text, USER) == expected


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_formatted_filter_parses_back_to_the_same_ast(text: str, expected: Filter) -> None:
    """format_filter writes text that parses to the very same AST."""
    assert parse_filter(format_filter(expected), USER) == expected


PRECEDENCE = [
    pytest.param("title pr or nickName pr and locale pr", Or(A, And(B, C)), id="and-over-or"),
    pytest.param("title pr and nickName pr or locale pr", Or(And(A, B), C), id="and-over-or-left"),
    pytest.param("(title pr or nickName pr) and locale pr", And(Or(A, B), C), id="grouping"),
    pytest.param("not (title pr) and nickName pr", And(Not(A), B), id="not-over-and"),
    pytest.param("not (title pr or nickName pr)", Not(Or(A, B)), id="not-of-group"),
    pytest.param("((title pr))", A, id="redundant-parentheses"),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
def test_not_binds_tighter_than_and_which_binds_tighter_than_or(
    text: str, expected: Filter
) -> None:
    """RFC 7644 §3.4.2.2: grouping, then not, then and, then or."""
    assert parse_filter(text, USER) == expected


def test_and_chains_are_balanced_so_depth_stays_logarithmic() -> None:
    """A chain of 1,000 comparisons parses and evaluates without deep recursion."""
    text = " and ".join(f'title ne "{i}"' for i in range(MAX_TERMS))
    f = parse_filter(text, USER)
    assert matches(f, {"title": "x"}, USER) is True
    assert matches(f, {"title": "17"}, USER) is False


ESCAPES = [
    pytest.param(r'"a\"b"', 'a"b', id="quote"),
    pytest.param(r'"back\\slash"', "back\\slash", id="backslash"),
    pytest.param(r'"\u00e9t\u00E9"', "été", id="unicode-escape"),
    pytest.param(r'"\ud83d\ude00"', "\U0001f600", id="surrogate-pair"),
    pytest.param(r'"tab\tnew\nline\/"', "tab\tnew\nline/", id="control-escapes"),
    pytest.param('"Zoë Ægir"', "Zoë Ægir", id="raw-non-ascii"),
    pytest.param('"100%_off"', "100%_off", id="percent-underscore"),
    pytest.param('""', "", id="empty"),
]


@pytest.mark.parametrize(("literal", "value"), ESCAPES)
def test_string_literals_follow_json_string_rules(literal: str, value: str) -> None:
    """RFC 7644 §3.4.2.2 compValue strings are JSON strings, escapes included."""
    assert parse_filter(f"userName eq {literal}", USER) == eq(p("userName"), value)


ERRORS = [
    pytest.param("", 0, id="empty"),
    pytest.param("userName", 8, id="missing-operator"),
    pytest.param('userName xx "a"', 9, id="unknown-operator"),
    pytest.param("userName eq", 11, id="missing-value"),
    pytest.param("userName eq bjensen", 12, id="unquoted-string"),
    pytest.param('userName eq "abc', 12, id="unterminated-string"),
    pytest.param(r'userName eq "a\qb"', 14, id="bad-escape"),
    pytest.param('userName eq "a\x01b"', 14, id="raw-control-character"),
    pytest.param(r'userName eq "\ud800"', 12, id="unpaired-surrogate"),
    pytest.param(r'userName eq "a\u0000"', 12, id="nul-character"),
    pytest.param('userName eq "a" title pr', 16, id="missing-logical-operator"),
    pytest.param('userName eq "a" and', 19, id="dangling-and"),
    pytest.param('(userName eq "a"', 16, id="unclosed-group"),
    pytest.param('userName eq "a")', 15, id="stray-close"),
    pytest.param('emails[type eq "work"', 21, id="unclosed-value-path"),
    pytest.param('emails[type eq "work" and members[value pr]]', 33, id="nested-value-path"),
    pytest.param('userName[value eq "x"]', 8, id="value-path-on-simple-attribute"),
    pytest.param('not userName eq "x"', 4, id="not-without-parentheses"),
    pytest.param('userName eq "x" and or title pr', 20, id="operator-as-attribute"),
    pytest.param("active gt true", 7, id="gt-on-boolean"),
    pytest.param('x509Certificates.value le "a"', 23, id="le-on-binary"),
    pytest.param('name gt "x"', 5, id="gt-on-complex"),
    pytest.param('name eq "x"', 5, id="eq-on-complex"),
    pytest.param('active co "t"', 7, id="co-on-boolean"),
    pytest.param('active eq "true"', 10, id="string-for-boolean"),
    pytest.param("userName eq 12", 12, id="number-for-string"),
    pytest.param("userName co null", 12, id="null-with-co"),
    pytest.param("foo gt null", 7, id="null-with-gt-on-unknown"),
    pytest.param('meta.created gt "yesterday"', 16, id="bad-datetime"),
    pytest.param("title eq 12abc", 9, id="bad-number"),
    pytest.param("title eq 1e999", 9, id="number-overflow"),
    pytest.param('userName eq "a" # x', 16, id="unexpected-character"),
    pytest.param('name..familyName eq "a"', 0, id="double-dot"),
    pytest.param('a.b.c eq "a"', 0, id="two-sub-attributes"),
    pytest.param(':userName eq "a"', 0, id="empty-urn"),
]


@pytest.mark.parametrize(("text", "position"), ERRORS)
def test_malformed_filter_is_invalid_filter_with_its_position(text: str, position: int) -> None:
    """A bad filter is 400 invalidFilter and the detail names where it went wrong."""
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text, USER)
    error = caught.value
    assert error.status == 400
    assert error.body()["scimType"] == "invalidFilter"
    assert re.search(rf"at position {position}$", error.detail), error.detail


def test_ten_thousand_nested_parentheses_are_invalid_filter_not_recursion_error() -> None:
    """Nesting is bounded: a 10,000-deep filter is refused with invalidFilter."""
    text = "(" * 10_000 + "title pr" + ")" * 10_000
    with pytest.raises(InvalidFilter, match="nested deeper"):
        parse_filter(text, USER)


def test_ten_thousand_nested_nots_are_invalid_filter_not_recursion_error() -> None:
    """``not (not (...))`` 10,000 deep is refused with invalidFilter."""
    text = "not (" * 10_000 + "title pr" + ")" * 10_000
    with pytest.raises(InvalidFilter, match="nested deeper"):
        parse_filter(text, USER)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    """Exactly MAX_NESTING levels of parentheses still parse."""
    text = "(" * MAX_NESTING + "title pr" + ")" * MAX_NESTING
    assert parse_filter(text, USER) == Present(p("title"))


def test_more_than_max_terms_comparisons_is_invalid_filter() -> None:
    """A filter with more comparisons than MAX_TERMS is refused, not evaluated."""
    text = " or ".join(["title pr"] * (MAX_TERMS + 1))
    with pytest.raises(InvalidFilter, match="more than"):
        parse_filter(text, USER)


def test_unknown_attribute_parses_and_matches_nothing() -> None:
    """RFC 7644 §3.4.2.2: a filter on an undefined attribute is no match, not an error."""
    for text in ('foo eq "x"', "urn:example:Thing:x pr", "name.nope pr", "foo[bar eq 1]"):
        f = parse_filter(text, USER)
        assert matches(f, {"foo": "x", "name": {"nope": "y"}}, USER) is False
        assert matches(Not(f), {}, USER) is True


def test_extension_attribute_needs_its_urn() -> None:
    """Without the URN prefix an enterprise attribute is unknown (RFC 7644 §3.10: core)."""
    resource = {ENTERPRISE_USER: {"department": "Tour"}}
    assert matches(parse_filter('department eq "Tour"', USER), resource, USER) is False
    qualified = parse_filter(f'{ENTERPRISE_USER}:department eq "Tour"', USER)
    assert matches(qualified, resource, USER) is True


def test_group_attributes_resolve_against_the_group_schema() -> None:
    """members is known for Groups and unknown for Users."""
    group = parse_filter('members[value eq "1"]', GROUP)
    assert group == ValuePath(p("members"), eq(p("value"), "1"))
    assert matches(group, {"members": [{"value": "1"}]}, GROUP) is True
    assert (
        matches(parse_filter('members[value eq "1"]', USER), {"members": [{"value": "1"}]}, USER)
        is False
    )


PATCH_PATHS = [
    pytest.param("userName", PatchPath(p("userName")), id="attribute"),
    pytest.param("name.familyName", PatchPath(p("name", "familyName")), id="sub-attribute"),
    pytest.param(
        'members[value eq "2819c223"]',
        PatchPath(p("members"), eq(p("value"), "2819c223")),
        id="value-filter",
    ),
    pytest.param(
        'emails[type eq "work"].value',
        PatchPath(p("emails"), eq(p("type"), "work"), "value"),
        id="value-filter-sub-attribute",
    ),
    pytest.param(
        'EMAILS[TYPE EQ "work" and PRIMARY eq true].VALUE',
        PatchPath(p("emails"), And(eq(p("type"), "work"), eq(p("primary"), True)), "value"),
        id="any-case",
    ),
    pytest.param(
        f"{ENTERPRISE_USER}:manager.value",
        PatchPath(p("manager", "value", uri=ENTERPRISE_USER)),
        id="extension-sub-attribute",
    ),
    pytest.param(
        ENTERPRISE_USER.lower(), PatchPath(AttrPath(ENTERPRISE_USER, "", None)), id="extension-urn"
    ),
    pytest.param(
        "urn:ietf:params:scim:schemas:core:2.0:User:displayName",
        PatchPath(p("displayName")),
        id="core-urn",
    ),
    pytest.param("nickname2", PatchPath(p("nickname2")), id="unknown-kept"),
]


@pytest.mark.parametrize(("text", "expected"), PATCH_PATHS)
def test_patch_path_parses_every_rfc_7644_3_10_form(text: str, expected: PatchPath) -> None:
    """attrPath / valuePath [subAttr] / an extension URN, canonicalised."""
    parsed = parse_patch_path(text, USER)
    assert parsed == expected
    assert parse_patch_path(format_patch_path(parsed), USER) == parsed


def test_bare_extension_urn_path_is_flagged_as_a_schema() -> None:
    """The PATCH engine can tell "the whole extension" from an attribute."""
    assert parse_patch_path(ENTERPRISE_USER, USER).attr.is_schema is True
    assert parse_patch_path("userName", USER).attr.is_schema is False


BAD_PATCH_PATHS = [
    pytest.param("", 0, id="empty"),
    pytest.param("emails[", 7, id="unclosed"),
    pytest.param('emails[type eq "work"', 21, id="unclosed-filter"),
    pytest.param('emails[type eq "work"] x', 23, id="trailing-text"),
    pytest.param('name.familyName[value eq "x"]', 15, id="filter-after-sub-attribute"),
    pytest.param('userName[value eq "x"]', 8, id="filter-on-simple"),
    pytest.param("name..x", 0, id="double-dot"),
    pytest.param('emails[type xx "work"]', 12, id="bad-operator"),
    pytest.param(f"{ENTERPRISE_USER} x", 59, id="text-after-urn"),
]


@pytest.mark.parametrize(("text", "position"), BAD_PATCH_PATHS)
def test_malformed_patch_path_is_invalid_path_with_its_position(text: str, position: int) -> None:
    """RFC 7644 §3.5.2: a bad path is 400 invalidPath, with the position in the detail."""
    with pytest.raises(InvalidPath) as caught:
        parse_patch_path(text, USER)
    assert caught.value.body()["scimType"] == "invalidPath"
    assert re.search(rf"at position {position}$", caught.value.detail), caught.value.detail


ATTR_PATHS = [
    pytest.param("NAME.FAMILYNAME", p("name", "familyName"), id="canonical-case"),
    pytest.param(" userName ", p("userName"), id="stripped"),
    pytest.param("urn:ietf:params:scim:schemas:core:2.0:User:emails", p("emails"), id="core-urn"),
    pytest.param(f"{ENTERPRISE_USER}:Department", p("department", uri=ENTERPRISE_USER), id="ext"),
    pytest.param(ENTERPRISE_USER, AttrPath(ENTERPRISE_USER, "", None), id="bare-urn"),
    pytest.param("nosuch.thing", p("nosuch", "thing"), id="unknown"),
    pytest.param("meta.lastModified", p("meta", "lastModified"), id="meta"),
]


@pytest.mark.parametrize(("text", "expected"), ATTR_PATHS)
def test_attribute_path_for_sort_and_attributes_is_canonical(text: str, expected: AttrPath) -> None:
    """sortBy / attributes paths parse to canonical names; unknown ones are kept."""
    assert parse_attr_path(text, USER) == expected


@pytest.mark.parametrize("text", ["", "a b", 'userName eq "x"', "emails[type pr]", "name..x"])
def test_malformed_attribute_path_is_invalid_value_by_default(text: str) -> None:
    """parse_attr_path raises invalidValue unless the caller names another error."""
    with pytest.raises(InvalidValue):
        parse_attr_path(text, USER)
    with pytest.raises(InvalidSyntax):
        parse_attr_path(text, USER, error=InvalidSyntax)


def test_public_api_names_exist() -> None:
    """Every name in filters.__all__ is importable from reference_server.query.filters."""
    missing = [name for name in filters.__all__ if not hasattr(filters, name)]
    assert missing == []
    assert {"parse_filter", "matches", "compile_filter", "sort_key", "sort_key_sql"} <= set(
        filters.__all__
    )
