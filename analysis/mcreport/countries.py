"""Country and aggregate codes as Eurostat writes them, backed by pycountry.

Eurostat uses ISO 3166-1 alpha-2 codes except ``EL`` (Greece) and ``UK`` (United Kingdom), and adds
aggregates such as ``EU27_2020``. The OECD dashboard names countries in English; :func:`from_name`
maps those names to the same codes.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

EUROSTAT_EXCEPTIONS = {"GR": "EL", "GB": "UK"}
AGGREGATES = {
    "EU27_2020": "European Union (27 countries, from 2020)",
    "EA20": "Euro area (20 countries)",
    "OECD": "OECD average",
}
EU27 = (
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
# Names used by the publishers that pycountry spells differently.
_NAME_ALIASES = {
    "Korea": "KR",
    "Czech Republic": "CZ",
    "Czechia": "CZ",
    "Slovak Republic": "SK",
    "Türkiye": "TR",
    "Turkey": "TR",
    "United States": "US",
    "United Kingdom": "UK",
    "Germany (until 1990 former territory of the FRG)": "DE",
    "Former Yugoslav Republic of Macedonia, the": "MK",
    "North Macedonia": "MK",
    "Kosovo (under United Nations Security Council Resolution 1244/99)": "XK",
}


def to_eurostat(alpha2: str) -> str:
    return EUROSTAT_EXCEPTIONS.get(alpha2, alpha2)


def to_iso(code: str) -> str:
    back = {v: k for k, v in EUROSTAT_EXCEPTIONS.items()}
    return back.get(code, code)


@lru_cache(maxsize=1)
def geo_codes() -> tuple[str, ...]:
    """Every code a dataset may use: countries (Eurostat spelling), Kosovo, and aggregates."""
    codes = {to_eurostat(c.alpha_2) for c in pycountry.countries}
    codes.add("XK")
    codes.update(AGGREGATES)
    return tuple(sorted(codes))


def name(code: str) -> str:
    """English short name of a country or aggregate code."""
    if code in AGGREGATES:
        return AGGREGATES[code]
    if code == "XK":
        return "Kosovo"
    country = pycountry.countries.get(alpha_2=to_iso(code))
    if country is None:
        raise KeyError(f"unknown country code {code!r}")
    return getattr(country, "common_name", None) or country.name


def from_name(label: str) -> str:
    """Code for a country name as a publisher wrote it; ``KeyError`` if it cannot be matched."""
    label = label.strip()
    if label in _NAME_ALIASES:
        return _NAME_ALIASES[label]
    if label == "OECD":
        return "OECD"
    try:
        return to_eurostat(pycountry.countries.lookup(label).alpha_2)
    except LookupError:
        pass
    for aggregate, text in AGGREGATES.items():
        if label == text:
            return aggregate
    raise KeyError(f"unknown country name {label!r}")
