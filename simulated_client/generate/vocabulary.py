"""Fixed word lists the generator draws from next to Faker: departments, team names, edge cases.

Kept as data so the generator stays small and the edge cases are easy to read and extend.
"""

from __future__ import annotations

__all__ = [
    "APPS",
    "DEPARTMENTS",
    "DEPARTMENT_WEIGHTS",
    "EDGE_CASE_GROUP_NAMES",
    "EDGE_CASE_KINDS",
    "EDGE_NAMES",
    "GROUP_ROLES",
    "REGIONS",
    "RENAME_SUFFIXES",
    "TEAMS",
    "TIMEZONES",
    "TRANSLITERATION",
]

DEPARTMENTS = (
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Human Resources",
    "Legal",
    "Customer Success",
    "Support",
    "Product",
    "Design",
    "Operations",
    "IT",
    "Security",
    "Data Science",
    "Facilities",
    "Procurement",
    "Research",
    "Quality Assurance",
    "Business Development",
    "Communications",
)
# Relative head counts: engineering and sales dominate, facilities is small.
DEPARTMENT_WEIGHTS = (18, 14, 7, 5, 4, 2, 8, 9, 5, 3, 5, 4, 3, 3, 1, 1, 3, 3, 2, 2)

REGIONS = ("EMEA", "APAC", "Americas", "North America", "LATAM", "DACH", "Nordics", "UK&I")
TEAMS = (
    "Platform",
    "Infrastructure",
    "Mobile",
    "Web",
    "Payments",
    "Identity",
    "Analytics",
    "Growth",
    "Onboarding",
    "Payroll",
    "Recruiting",
    "Compliance",
)
GROUP_ROLES = ("Managers", "Leads", "Contractors", "Interns", "On-Call", "Admins")
APPS = ("Jira", "Confluence", "Salesforce", "GitHub", "Slack", "Zoom", "AWS", "Workday", "Tableau")
RENAME_SUFFIXES = ("Guild", "Chapter", "Squad", "Collective", "Circle", "Taskforce", "Council")

EDGE_CASE_KINDS = ("non-ascii", "apostrophe", "double-quote", "long", "plus-address")

# (given name, family name, ASCII local part of the userName) per edge case kind.
_LONG_FAMILY = "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh-Cholmondeley-Marjoribanks"
EDGE_NAMES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "non-ascii": (
        ("Zoë", "Ångström-Løvås", "zoe.angstrom-lovas"),
        ("José", "Núñez Peña", "jose.nunez-pena"),
        ("Łukasz", "Żółkiewski", "lukasz.zolkiewski"),
        ("Đặng", "Thị Ngọc", "dang.thi-ngoc"),
        ("Søren", "Kierkegård", "soren.kierkegard"),
        ("Ñandú", "Müller-Lüdenscheidt", "nandu.muller-ludenscheidt"),
    ),
    "apostrophe": (
        ("Seán", "O'Brien", "sean.o'brien"),
        ("N'Golo", "D'Angelo", "n'golo.d'angelo"),
        ("Mary-Kate", "O'Neil", "mary-kate.o'neil"),
    ),
    # The userName is a quoted local part (RFC 5321 §4.1.2): quotes and a space reach the filter.
    "double-quote": (
        ('Robert "Bob"', "Smith", '"bob smith"'),
        ('Elizabeth "Liz"', "Taylor", '"liz taylor"'),
    ),
    "long": (("Maximiliana-Alexandrina", _LONG_FAMILY, "maximiliana-alexandrina.wolfeschlegel"),),
    "plus-address": (
        ("Priya", "Raman", "priya.raman+scim"),
        ("Tom", "Baker", "tom.baker+provisioning"),
    ),
}

EDGE_CASE_GROUP_NAMES = (
    'R&D "Skunkworks"',
    "Ops' On-Call",
    "Ventes & Marketing \u2013 Île-de-France",  # an en dash
    "Finance+Legal",
    "Long Group " + "Name " * 48 + "End",
)

# Letters NFKD does not decompose into ASCII.
TRANSLITERATION = {
    "ł": "l",
    "Ł": "L",
    "ø": "o",
    "Ø": "O",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ß": "ss",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "\u0131": "i",  # dotless i
}

# IANA time zones by ISO 3166 country code; others fall back to Faker's list.
TIMEZONES = {
    "US": ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
    "CA": ("America/Toronto", "America/Vancouver", "America/Edmonton"),
    "GB": ("Europe/London",),
    "IE": ("Europe/Dublin",),
    "DE": ("Europe/Berlin",),
    "AT": ("Europe/Vienna",),
    "CH": ("Europe/Zurich",),
    "FR": ("Europe/Paris",),
    "ES": ("Europe/Madrid",),
    "IT": ("Europe/Rome",),
    "NL": ("Europe/Amsterdam",),
    "PL": ("Europe/Warsaw",),
    "SE": ("Europe/Stockholm",),
    "NO": ("Europe/Oslo",),
    "DK": ("Europe/Copenhagen",),
    "FI": ("Europe/Helsinki",),
    "JP": ("Asia/Tokyo",),
    "CN": ("Asia/Shanghai",),
    "IN": ("Asia/Kolkata",),
    "AU": ("Australia/Sydney", "Australia/Melbourne", "Australia/Perth"),
    "NZ": ("Pacific/Auckland",),
    "BR": ("America/Sao_Paulo",),
    "MX": ("America/Mexico_City",),
}
