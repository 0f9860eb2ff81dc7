"""Faker users and groups, reproducible from a seed.

The same ``(users, groups, seed, locale, edge_cases, extras)`` gives the same people in the same
order on any machine with the same Faker release. Faker is slow per call (~50-150 µs), so it only
fills small pools of names, titles and addresses once; each user is then assembled from the pools
with our own ``random.Random(seed)``: 100,000 users take a few seconds. No global random state
is touched.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
import unicodedata
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from faker import Faker
from scim_harness.simulated_client.generate.people import (
    Address,
    GeneratedGroup,
    GeneratedUser,
    PhoneNumber,
    Population,
)
from scim_harness.simulated_client.generate.vocabulary import (
    APPS,
    DEPARTMENT_WEIGHTS,
    DEPARTMENTS,
    EDGE_CASE_GROUP_NAMES,
    EDGE_CASE_KINDS,
    EDGE_NAMES,
    GROUP_ROLES,
    REGIONS,
    RENAME_SUFFIXES,
    TEAMS,
    TIMEZONES,
    TRANSLITERATION,
)

__all__ = [
    "Address",
    "GeneratedGroup",
    "GeneratedUser",
    "PhoneNumber",
    "Population",
    "ascii_fold",
    "generate_population",
    "plan_group_renames",
    "plan_user_updates",
]

MANAGER_SPAN = 10  # every tenth user is a manager; the others report to an earlier manager
_POOL_SIZES = {"first": 600, "last": 800, "title": 300, "street": 300, "place": 200, "phone": 400}
_LOCAL_PART = re.compile(r"[^a-z0-9.'-]+")
_DEPARTMENT_CUMULATIVE = tuple(itertools.accumulate(DEPARTMENT_WEIGHTS))


@functools.lru_cache(maxsize=8192)
def ascii_fold(text: str) -> str:
    """Lower-case ASCII for an e-mail local part: ``Zoë Ångström`` -> ``zoe-angstrom``."""
    text = "".join(TRANSLITERATION.get(char, char) for char in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _LOCAL_PART.sub("-", text.lower().replace(" ", "-"))
    return re.sub(r"-{2,}", "-", text).strip("-.'")


def _new_faker(locale: str, seed: int | str) -> Faker:
    try:
        faker = Faker(locale)
    except AttributeError as exc:  # Faker reports an unknown locale as AttributeError
        msg = f"unknown Faker locale {locale!r}"
        raise ValueError(msg) from exc
    faker.seed_instance(seed)
    return faker


def _call(faker: Faker, method: str, fallback: str) -> str:
    try:
        return str(getattr(faker, method)())
    except AttributeError:
        return fallback


@dataclass(frozen=True, slots=True)
class _Pools:
    first: tuple[str, ...]
    last: tuple[str, ...]
    titles: tuple[str, ...]
    streets: tuple[str, ...]
    places: tuple[tuple[str, str, str], ...]
    phones: tuple[str, ...]
    country: str
    company: str

    @classmethod
    def draw(cls, faker: Faker) -> _Pools:
        def many(size_key: str, make: Callable[[], str]) -> tuple[str, ...]:
            return tuple(make() for _ in range(_POOL_SIZES[size_key]))

        places = tuple(
            (
                _call(faker, "city", "Springfield"),
                _call(faker, "administrative_unit", ""),
                _call(faker, "postcode", "00000"),
            )
            for _ in range(_POOL_SIZES["place"])
        )
        return cls(
            first=many("first", faker.first_name),
            last=many("last", faker.last_name),
            titles=many("title", lambda: _call(faker, "job", "Specialist")),
            streets=many("street", lambda: _call(faker, "street_address", "1 Main Street")),
            places=places,
            phones=many("phone", lambda: _call(faker, "phone_number", "+1 555 0100")),
            country=_call(faker, "current_country_code", "US"),
            company=_call(faker, "company", "Example"),
        )


def _domain(company: str) -> str:
    slug = ascii_fold(company.split(",")[0]).replace("'", "").replace(".", "-").strip("-")
    # RFC 2606 §3: example.com never delivers mail, however realistic the address looks.
    return f"{slug or 'acme'}.example.com"


def _with_suffix(local: str, number: int) -> str:
    """``ann.lee`` -> ``ann.lee2``; keeps ``+tag`` and a quoted local part intact."""
    if local.startswith('"') and local.endswith('"'):
        return f'{local[:-1]}{number}"'
    head, plus, tag = local.partition("+")
    return f"{head}{number}{plus}{tag}"


class _UniqueNames:
    """Hands out e-mail style names unique without regard to case (RFC 7643 §4.1.1 userName)."""

    def __init__(self, domain: str, taken: Collection[str] = ()) -> None:
        self.domain = domain
        self.taken = {name.lower() for name in taken}
        self.next_suffix: dict[str, int] = {}

    def claim(self, local: str) -> str:
        candidate = f"{local}@{self.domain}"
        number = self.next_suffix.get(local.lower(), 1)
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{_with_suffix(local, number)}@{self.domain}"
        self.next_suffix[local.lower()] = number
        self.taken.add(candidate.lower())
        return candidate


def _local_part(given: str, family: str, fallback: str) -> str:
    first, last = ascii_fold(given), ascii_fold(family)
    return f"{first}.{last}" if first and last else fallback


def _random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _language_tag(locale: str) -> str:
    return locale.replace("_", "-")


def _make_user(
    index: int,
    rng: random.Random,
    pools: _Pools,
    names: _UniqueNames,
    *,
    locale: str,
    edge_case: str | None,
    extras: bool,
    managers: Sequence[str],
) -> GeneratedUser:
    key = f"user-{index + 1:06d}"
    if edge_case is not None:
        given, family, local = rng.choice(EDGE_NAMES[edge_case])
    else:
        given, family = rng.choice(pools.first), rng.choice(pools.last)
        local = _local_part(given, family, f"user{index + 1}")
    user_name = names.claim(local)
    if not extras:
        return GeneratedUser(
            key=key,
            user_name=user_name,
            given_name=given,
            family_name=family,
            display_name=f"{given} {family}",
            email=user_name,
            edge_case=edge_case,
        )
    title: str | None = rng.choice(pools.titles) if rng.random() < 0.9 else None
    phones: list[PhoneNumber] = []
    if rng.random() < 0.7:
        phones.append(PhoneNumber(rng.choice(pools.phones), "work"))
    if rng.random() < 0.6:
        phones.append(PhoneNumber(rng.choice(pools.phones), "mobile"))
    street = rng.choice(pools.streets)
    addresses: tuple[Address, ...] = ()
    if rng.random() < 0.8:
        city, region, postcode = rng.choice(pools.places)
        if edge_case == "long":
            street = street * 8
        addresses = (Address(street, city, region, postcode, pools.country),)
    tag = _language_tag(locale) if rng.random() < 0.9 else None
    zone = rng.choice(TIMEZONES.get(pools.country, ("UTC",)))
    department = rng.choices(DEPARTMENTS, cum_weights=_DEPARTMENT_CUMULATIVE)[0]
    manager = rng.choice(managers) if managers and index % MANAGER_SPAN else None
    if edge_case == "long":
        title = "Senior " + "Principal " * 100 + "Engineer"
    return GeneratedUser(
        key=key,
        user_name=user_name,
        given_name=given,
        family_name=family,
        display_name=f"{given} {family}",
        email=user_name,
        edge_case=edge_case,
        external_id=_random_uuid(rng),
        title=title,
        phone_numbers=tuple(phones),
        addresses=addresses,
        preferred_language=tag,
        locale=tag,
        timezone=zone if tag else None,
        employee_number=str(100000 + index + 1),
        department=department,
        organization=pools.company,
        manager_key=manager,
    )


def _group_candidates(rng: random.Random, edge_cases: bool) -> list[tuple[str, str | None]]:
    """(name, department) pairs: plain departments first, then combinations, shuffled."""
    first: list[tuple[str, str | None]] = [(name, name) for name in DEPARTMENTS]
    first += [("All Staff", None), ("VPN Users", None), ("New Hires", None)]
    rest: list[tuple[str, str | None]] = []
    for dept in DEPARTMENTS:
        rest += [(f"{dept} {region}", dept) for region in REGIONS]
        rest += [(f"{dept} {team}", dept) for team in TEAMS]
        rest += [(f"{dept} {role}", dept) for role in GROUP_ROLES]
    rest += [(f"{app} {role}", None) for app in APPS for role in ("Users", "Admins")]
    rng.shuffle(first)
    rng.shuffle(rest)
    edge: list[tuple[str, str | None]] = []
    if edge_cases:
        edge = [(name, None) for name in EDGE_CASE_GROUP_NAMES]
    return edge + first + rest


def _make_groups(
    count: int,
    rng: random.Random,
    users: Sequence[GeneratedUser],
    *,
    edge_cases: bool,
    max_group_size: int,
) -> tuple[GeneratedGroup, ...]:
    candidates = _group_candidates(rng, edge_cases)
    by_department: dict[str, list[str]] = {}
    for user in users:
        if user.department is not None:
            by_department.setdefault(user.department, []).append(user.key)
    everyone = [user.key for user in users]
    order = {user.key: position for position, user in enumerate(users)}
    edge_names = set(EDGE_CASE_GROUP_NAMES)
    groups: list[GeneratedGroup] = []
    for index in range(count):
        if index < len(candidates):
            name, department = candidates[index]
        else:
            name, department = f"Project Team {index + 1:05d}", None
        pool = by_department.get(department, []) if department else everyone
        if department and pool:
            size = min(len(pool), max_group_size)
        else:
            pool = everyone
            size = min(len(pool), max_group_size, rng.randint(1, 25))
        members = sorted(rng.sample(pool, size), key=order.__getitem__) if size else []
        groups.append(
            GeneratedGroup(
                key=f"group-{index + 1:05d}",
                display_name=name,
                external_id=_random_uuid(rng),
                member_keys=tuple(members),
                department=department,
                edge_case="group-name" if name in edge_names else None,
            )
        )
    return tuple(groups)


def _check_count(name: str, value: int) -> None:
    if value < 0:
        msg = f"{name} must be zero or more, got {value}"
        raise ValueError(msg)


def generate_population(
    users: int = 10,
    groups: int = 3,
    *,
    seed: int = 0,
    locale: str = "en_US",
    edge_cases: bool = False,
    extras: bool = True,
    max_group_size: int = 250,
) -> Population:
    """Users and groups for one seed.

    With ``edge_cases`` the first users are one of each kind in ``EDGE_CASE_KINDS`` (non-ASCII
    names, apostrophes, double quotes, very long values, plus addressing) and about one user in
    fifty after them; the first groups carry awkward names. ``extras=False`` gives users with only
    the six required attributes.
    """
    _check_count("users", users)
    _check_count("groups", groups)
    if max_group_size < 1:
        msg = f"max_group_size must be at least 1, got {max_group_size}"
        raise ValueError(msg)
    faker = _new_faker(locale, seed)
    rng = random.Random(seed)
    pools = _Pools.draw(faker)
    domain = _domain(pools.company)
    names = _UniqueNames(domain)
    people: list[GeneratedUser] = []
    managers: list[str] = []
    for index in range(users):
        edge_case: str | None = None
        if edge_cases:
            if index < len(EDGE_CASE_KINDS):
                edge_case = EDGE_CASE_KINDS[index]
            elif rng.random() < 0.02:
                edge_case = rng.choice(EDGE_CASE_KINDS)
        user = _make_user(
            index, rng, pools, names, locale=locale, edge_case=edge_case, extras=extras,
            managers=managers,
        )  # fmt: skip
        people.append(user)
        if index % MANAGER_SPAN == 0:
            managers.append(user.key)
    group_list = _make_groups(
        groups, rng, people, edge_cases=edge_cases, max_group_size=max_group_size
    )
    return Population(
        seed=seed,
        locale=locale,
        domain=domain,
        edge_cases=edge_cases,
        users=tuple(people),
        groups=group_list,
    )


def plan_user_updates(
    population: Population,
    targets: Sequence[GeneratedUser],
    *,
    seed: int,
    taken: Collection[str] = (),
) -> dict[str, GeneratedUser]:
    """New versions of ``targets``: a new family name (so display name and work e-mail change
    too), a new title, and for some a move to another department. ``userName`` stays: it is the
    identity the client matches on. ``taken`` lists e-mails already in use."""
    faker = _new_faker(population.locale, f"update:{seed}")
    rng = random.Random(f"update:{seed}")
    family_names = [faker.last_name() for _ in range(200)]
    titles = [_call(faker, "job", "Specialist") for _ in range(100)]
    in_use = {user.email for user in population.users} | set(taken)
    names = _UniqueNames(population.domain, in_use)
    updated: dict[str, GeneratedUser] = {}
    for user in targets:
        family = rng.choice(family_names)
        while family == user.family_name:
            family = rng.choice(family_names)
        email = names.claim(_local_part(user.given_name, family, f"{user.key}.updated"))
        title = rng.choice(titles)
        department = user.department
        if department is not None and rng.random() < 0.3:
            department = rng.choice(DEPARTMENTS)
        updated[user.key] = replace(
            user,
            family_name=family,
            display_name=f"{user.given_name} {family}",
            email=email,
            title=title,
            department=department,
        )
    return updated


def plan_group_renames(
    names: Mapping[str, str], keys: Sequence[str], *, seed: int
) -> dict[str, str]:
    """New, still unique display names for ``keys``; ``names`` holds every current name."""
    rng = random.Random(f"rename:{seed}")
    in_use = {name.lower() for name in names.values()}
    renamed: dict[str, str] = {}
    for key in keys:
        base = f"{names[key]} {rng.choice(RENAME_SUFFIXES)}"
        candidate, number = base, 1
        while candidate.lower() in in_use:
            number += 1
            candidate = f"{base} {number}"
        in_use.add(candidate.lower())
        renamed[key] = candidate
    return renamed
