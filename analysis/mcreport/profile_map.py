"""The one mapping of the country profiles: which indicators they show, from which dataset.

Everything a profile shows is read from the data package through this table; adding an
indicator or a dataset is one entry here (and, for a new dataset, its literal ``load("name")``
in ``analysis/countries.ipynb``, which a test checks). Two layouts are read:

- ``"series"``: one row per ``geo`` and ``year`` with ``value`` and ``flag`` (Eurostat tables as
  prepared in ``data/``), optionally narrowed by ``where`` (e.g. one ``indicator`` code);
- ``"kivet"``: the long layout of ``kivet_indicators`` (``indicator``, ``geo``, ``year``,
  ``value``, ``flag``, ``suspect``), one KIVET id per entry.

An entry with ``requires`` is switched on by the presence of that resource in the data package:
until it is there the profiles leave the indicator out (and say nothing about it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EU = "EU27_2020"


@dataclass(frozen=True)
class Older:
    """The older vintage of a series, used only where the newer one has no value."""

    dataset: str  #: resource of the data package (layout "series")
    vintage: str  #: name of the vintage (as the chapters name it)
    source: str  #: source line of that vintage


@dataclass(frozen=True)
class Indicator:
    key: str  #: short key, used in glue keys and file names
    dataset: str  #: resource of the data package
    title: str  #: short English title (with the age band); "" for KIVET: read from TITLES
    unit: str  #: "%..." (changes are then in percentage points); "" for KIVET: from TITLES
    source: str  #: source line of charts and tables (publisher and dataset code)
    short: str = ""  #: label in charts
    layout: str = "series"  #: "series" or "kivet"
    where: dict = field(default_factory=dict)  #: column -> value the rows must have
    base_year: int | None = None  #: change is stated since this year
    chart: str | None = None  #: panel of the country chart: participation, equity, employers, online
    headline: bool = True  #: shown in the headline table and the Countries overview
    #: ranked in the static figure of the Countries page (the explorer ranks every headline one)
    overview: bool = False
    requires: str | None = None  #: resource that must be in the data package
    #: why a country the dataset does not cover has no value (said on its profile)
    not_covered: str = "not covered: the survey or the published table has no data for it"
    vintage: str = ""  #: name of the vintage of ``dataset`` when ``older`` completes it
    older: Older | None = None  #: older vintage, spliced in where ``dataset`` has no value


#: Titles and units of the KIVET indicators (columns ``indicator``, ``title``, ``unit``).
TITLES = "kivet_indicator_list"


_LFS = "not covered: the Eurostat table the report uses (Labour Force Survey) has no row for it"
_ICT = "not covered: the extract of the ICT usage survey table the report uses has no row for it"
_KIVET = "not covered: Cedefop's key indicators on VET have no value for it"
_BOTH = ("not covered: neither Cedefop's key indicators on VET nor the Eurostat extract of 2023 "
         "has a value for it")

def _kivet(code: str, survey: str, base_year: int, short: str, chart: str | None = None,
           overview: bool = False) -> Indicator:
    """A Cedefop key indicator on VET (KIVET), on as soon as `kivet_indicators` is in the package;
    its title and unit come from `kivet_indicator_list`."""
    extra = {"chart": chart} if chart else {}
    return Indicator(f"k{code}", "kivet_indicators", "", "",
                     f"Cedefop KIVET {code} (Eurostat {survey})", layout="kivet",
                     where={"indicator": code}, base_year=base_year, requires="kivet_indicators",
                     not_covered=_KIVET, short=short, overview=overview, **extra)


INDICATORS: tuple[Indicator, ...] = (
    # The four-week series of the chapters: Cedefop's 2026 release wherever it has a value, the
    # Eurostat extract of 2023 only for the years and countries the newer one lacks (one series,
    # spliced by `mcreport.indicators.splice`; every row names its vintage).
    Indicator("k1050", "kivet_indicators", "", "", "Cedefop KIVET 1050, 2026 release (Eurostat LFS)",
              layout="kivet", where={"indicator": "1050"}, vintage="Cedefop KIVET 1050 (2026)",
              older=Older("adult_participation_25_64", "Eurostat extract (2023)",
                          "Eurostat (trng_lfse_04), 2023 extract"),
              base_year=2015, chart="participation", requires="kivet_indicators",
              not_covered=_BOTH, overview=True,
              short="adults 25-64, four weeks"),
    Indicator("lfs4w74", "adult_participation_25_74",
              "Adults in education or training, last four weeks (25-74)", "%",
              "Eurostat (trng_lfse_01), Labour Force Survey, 2023 extract", base_year=2015,
              chart="participation",
              not_covered=_LFS,
              short="adults 25-74, four weeks"),
    Indicator("olcourse", "online_learning_2015_2019", "Individuals doing an online course (16-74)",
              "%", "Eurostat (isoc_ci_ac_i), ICT usage survey", where={"indicator": "I_IUOLC"},
              base_year=2015, chart="online", not_covered=_ICT,
              short="online course"),
    Indicator("olmaterial", "online_learning_2015_2019",
              "Individuals using online learning material (16-74)", "%",
              "Eurostat (isoc_ci_ac_i), ICT usage survey", where={"indicator": "I_IUOLM"},
              base_year=2015, chart="online", not_covered=_ICT,
              short="online learning material"),
    # Cedefop key indicators on VET (KIVET): on as soon as `kivet_indicators` is in the package.
    _kivet("1050a", "LFS", 2022, "adults 25-64, twelve months (LFS)"),
    # the twelve-month rate of the Adult Education Survey (Theme 3 sets it beside the EU targets)
    _kivet("1051", "AES", 2016, "adults 25-64, twelve months (AES)", overview=True),
    _kivet("1091", "LFS", 2015, "older adults (55-64)", chart="equity"),
    _kivet("1100", "LFS", 2015, "low-qualified adults", chart="equity"),
    _kivet("1110", "LFS", 2015, "unemployed adults", chart="equity"),
    _kivet("1060", "CVTS", 2015, "firms providing training", chart="employers"),
    _kivet("1030", "CVTS", 2015, "workers in CVT courses", chart="employers"),
    _kivet("1140a", "ICT usage survey", 2019, "learning online", chart="online"),
    _kivet("2130a", "ICT usage survey", 2021, "basic digital skills", chart="online"),
)

#: Titles of the chart panels, in the order drawn.
CHARTS = {
    "participation": "Adult participation in learning",
    "equity": "Equity groups",
    "employers": "Employers' training",
    "online": "Online learning",
}

#: OECD adult-learning indicators (no year in the dataset: the OECD dashboard of 2019).
OECD = {"dataset": "oecd_adult_learning", "labels": "oecd_adult_learning_indicators",
        "average": "OECD", "employers": "3_1_1",
        "source": "OECD, Priorities for Adult Learning dashboard"}

#: Datasets in which a country "appears" (resource -> column of the country code). A country
#: with rows in at least MIN_DATASETS of them, or listed in ALWAYS, gets a profile.
COUNTRY_COLUMNS = {
    "adult_participation_25_64": "geo",
    "adult_participation_25_74": "geo",
    "online_learning_2015_2019": "geo",
    "oecd_adult_learning": "geo",
    "nqf_countries": "country",
    "national_initiatives": "country",
    "policy_timeline": "scope",
    "google_trends_learning": "region",
    "kivet_indicators": "geo",
    "country_matrix": "geo",
}
MIN_DATASETS = 3
ALWAYS = ("IS", "NO", "CH", "UK")

#: Frameworks: the reconciled `country_matrix` once in the package, else `nqf_countries`.
FRAMEWORKS = ("country_matrix", "nqf_countries")
#: Cedefop's study: finding that names the countries covered, and the one naming those studied
#: in depth (rows of `cedefop_findings`).
CEDEFOP = {"dataset": "cedefop_findings", "covered": "P2", "in_depth": "P3a"}

#: Flags as Eurostat and Cedefop publish them, written out.
FLAGS = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs",
    "e": "estimated",
    "f": "forecast",
    "n": "not significant",
    "p": "provisional",
    "s": "Eurostat estimate",
    "u": "low reliability",
    "z": "not applicable",
}


def active(available: set[str] | frozenset[str]) -> list[Indicator]:
    """Entries whose datasets are in the package (``available``: resource names)."""
    return [i for i in INDICATORS
            if i.dataset in available and (i.requires is None or i.requires in available)]


def datasets() -> set[str]:
    """Every resource the mapping reads (the notebook loads each one)."""
    out = {i.dataset for i in INDICATORS} | {i.older.dataset for i in INDICATORS if i.older}
    return out | {TITLES}
