"""Country profiles: the computation (on a fixture in the contract's KIVET layout), the mapping,
and the generated pages (regenerating them from the data gives the committed files)."""

from __future__ import annotations

import pandas as pd
import pytest

from mcreport import countries, deps, profile_map, profiles

from .conftest import FIXTURES, REPO

KIVET = FIXTURES / "kivet"


def _kivet() -> pd.DataFrame:
    return pd.read_csv(KIVET / "kivet_indicators.csv", dtype={"indicator": "string", "flag": "string",
                                                             "suspect": "string"},
                       keep_default_na=False, na_values=[""])


def _ind(key: str) -> profile_map.Indicator:
    return next(i for i in profile_map.INDICATORS if i.key == key)


def test_kivet_layout_latest_eu_rank_change_and_breaks():
    rows = profiles.series(_ind("k1050"), _kivet())
    h = profiles.headline(_ind("k1050"), rows, "AT")
    assert (h.value, h.year, h.eu) == (17.1, 2023, 12.8)
    assert (h.rank, h.ranked) == (2, 2)  # SE higher; RO's 2023 row is excluded
    assert h.change == pytest.approx(2.7)
    assert h.change_note == "break in series in 2021"
    cells = h.cells("%")
    assert cells["value"] == "17.1 %" and cells["eu"] == "12.8 %" and cells["rank"] == "2 of 2"
    assert cells["change"] == "+2.7 pp since 2015 (break in series in 2021)"


def test_kivet_excluded_rows_are_said_not_hidden():
    rows = profiles.series(_ind("k1050"), _kivet())
    ro = profiles.headline(_ind("k1050"), rows, "RO")
    assert (ro.value, ro.year) == (1.3, 2015)
    assert "2023: dropped (excluded for the test of the code path)" in ro.note
    bg = profiles.headline(_ind("k1100"), profiles.series(_ind("k1100"), _kivet()), "BG")
    assert bg.value is None
    assert bg.cells("%")["value"] == profiles.NO_DATA
    assert bg.note.startswith("dropped as unreliable")


def test_missing_eu_year_and_not_covered():
    rows = profiles.series(_ind("k1100"), _kivet())
    at = profiles.headline(_ind("k1100"), rows, "AT")
    assert at.eu is None and at.eu_note == "no EU value for 2023"
    fr = profiles.headline(_ind("k1100"), rows, "FR")
    assert fr.value is None and fr.note == _ind("k1100").not_covered


def test_flags_written_out():
    assert profiles.flags_text("bu") == "break in time series; low reliability"
    assert profiles.flags_text("") == ""


def test_contract_entries_switch_on_with_the_resource():
    main = {"adult_participation_25_64", "online_learning_2015_2019"}
    assert all(i.requires is None for i in profile_map.active(main))
    keys = {i.key for i in profile_map.active(main | {"kivet_indicators"})}
    wanted = {"1050", "1050a", "1051", "1091", "1100", "1110", "1060", "1030", "1140a", "2130a"}
    assert {f"k{k}" for k in wanted} <= keys


def test_kivet_profiles_end_to_end():
    frames = {"kivet_indicators": _kivet()}
    p = profiles.Profiles.of(frames)
    assert set(countries.EU27) | set(profile_map.ALWAYS) <= set(p.geos)
    values = p.glue_values()
    assert values["AT-k1050-value"] == "17.1 %"
    assert values["AT-k1100-eu"] == "no EU value for 2023"
    over = p.overview()
    k1050 = next(i for i in over["indicators"] if i["key"] == "k1050")
    assert [q["geo"] for q in k1050["points"]] == ["SE", "AT", "RO"]
    assert k1050["eu"] == {"value": 12.8, "year": 2023}


def test_notebook_loads_every_dataset_of_the_mapping():
    """The build re-executes the notebook when a dataset it loads changes: it must load each one
    with a literal load("name")."""
    read = set(deps.resources_read(REPO / "analysis" / "countries.ipynb"))
    wanted = profile_map.datasets() | set(profile_map.COUNTRY_COLUMNS)
    wanted |= {profile_map.OECD["dataset"], profile_map.OECD["labels"],
               profile_map.CEDEFOP["dataset"], "initiative_counts", *profile_map.FRAMEWORKS}
    assert wanted <= read, f"countries.ipynb does not load: {sorted(wanted - read)}"


@pytest.fixture(scope="module")
def frames():
    return profiles.load_frames()


def test_pages_are_generated_not_edited(frames):
    """book/countries/*.md are what `python -m mcreport.profiles write` makes from the data."""
    folder = REPO / "book" / "countries"
    want = profiles.pages(frames)
    have = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")}
    assert set(have) == set(want), "run: python -m mcreport.profiles write"
    differ = sorted(n for n in want if want[n] != have[n])
    assert not differ, f"regenerate with `python -m mcreport.profiles write`: {differ}"


def test_every_profile_is_in_the_toc_and_the_overview(frames):
    p = profiles.Profiles.of(frames)
    index = (REPO / "book" / "countries" / "index.md").read_text(encoding="utf-8")
    for geo in p.geos:
        assert f"<{profiles.slug(geo)}>`" in index
    toc = (REPO / "_toc.yml").read_text(encoding="utf-8")
    assert "glob: book/countries/[a-z][a-z]" in toc and "file: book/countries/index" in toc


def test_profile_countries(frames):
    geos = profiles.Profiles.of(frames).geos
    assert {"IS", "NO", "CH", "UK", *countries.EU27} <= set(geos)
    seen = profiles.appearances(frames)
    for geo in set(geos) - set(countries.EU27) - set(profile_map.ALWAYS):
        assert len(seen[geo]) >= profile_map.MIN_DATASETS


def test_glued_values_equal_the_data(frames):
    """A sample of cells against the CSV read on its own."""
    raw = pd.read_csv(REPO / "data" / "adult_participation_25_74.csv", keep_default_na=False)
    values = profiles.Profiles.of(frames).glue_values()
    for geo in ("AT", "SE", "TR", "IS", "UK"):
        own = raw[raw.geo == geo].sort_values("year")
        last = own.iloc[-1]
        assert values[f"{geo}-lfs4w74-value"] == f"{profiles.number(float(last.value))} %"
        assert values[f"{geo}-lfs4w74-year"] == str(last.year)


def test_four_week_series_is_the_chapters_splice(frames):
    """One computation: the profiles' four-week series is `indicators.splice` of the two vintages
    (the 2026 release wherever it has a value), each row naming its vintage."""
    from mcreport import indicators

    ind = next(i for i in profiles.Profiles.of(frames).indicators if i.key == "k1050")
    mine = profiles.Profiles.of(frames).series["k1050"]
    theirs = indicators.splice(frames[ind.older.dataset],
                               indicators.series(frames["kivet_indicators"], "1050"),
                               old_name=ind.older.vintage, new_name=ind.vintage)
    cols = ["geo", "year", "value", "vintage"]
    types = {"geo": str, "year": int, "value": float, "vintage": str}
    pd.testing.assert_frame_equal(mine[cols].astype(types).reset_index(drop=True),
                                  theirs[cols].astype(types).reset_index(drop=True))
    assert indicators.vintages(mine) == sorted([ind.vintage, ind.older.vintage])
    titles = frames[profile_map.TITLES].set_index("indicator")
    assert ind.title == titles.loc["1050", "title"]
    values = profiles.Profiles.of(frames).glue_values()
    ba = [i for i, h in profiles.Profiles.of(frames).headlines("BA") if i.key == "k1050"]
    if ba and values["BA-k1050-value"] != profiles.NO_DATA:
        assert ind.older.vintage in values["BA-k1050-notes"]


def test_country_matrix_replaces_nqf_countries_when_present():
    """The reconciled matrix (contract: one row per geo, facts with their basis, source, status)
    is read in preference to nqf_countries, every column but the bookkeeping ones shown."""
    matrix = pd.DataFrame({
        "geo": ["IE"], "levels": [10], "levels_basis": ["cedefop2023nqftool"],
        "comprehensive": [True], "source": ["cedefop2023nqftool"], "status": ["verified"]})
    name, rows = profiles.framework_rows({"country_matrix": matrix, "nqf_countries": None}, "IE")
    assert name == "country_matrix"
    # titles come from the resource's schema when it is in the data package, else column names
    assert [value for _, value in rows[0]["facts"]] == ["10", "cedefop2023nqftool", "yes"]


def test_overview_panels_and_caption_texts(frames):
    """The static overview ranks the indicators marked in the mapping; its caption's texts are
    the explorer's data (the EU value, the highest and the lowest country)."""
    p = profiles.Profiles.of(frames)
    data = p.overview()
    panels = profiles.overview_panels(data)
    assert [i["key"] for i in panels] == [i.key for i in p.indicators if i.overview]
    texts = p.glue_values()
    for ind in panels:
        top, bottom = ind["points"][0], ind["points"][-1]
        assert texts[f"overview-{ind['key']}-high"].startswith(countries.name(top["geo"]))
        assert texts[f"overview-{ind['key']}-low"].startswith(countries.name(bottom["geo"]))
        assert texts[f"overview-{ind['key']}-count"] == str(len(ind["points"]))
        assert str(ind["eu"]["year"]) in texts[f"overview-{ind['key']}-eu"]
    index = (REPO / "book" / "countries" / "index.md").read_text(encoding="utf-8")
    assert all(f"overview-{i['key']}-high" in index for i in panels)


TOC = r"""\contentsline {chapter}{\numberline {13}Countries}{149}{chapter.13}%
\contentsline {section}{\numberline {13.1}Compare countries}{149}{section.13.1}%
\contentsline {section}{\numberline {13.3}Austria}{151}{section.13.3}%
\contentsline {subsection}{\numberline {13.3.1}Key indicators}{151}{subsection.13.3.1}%
\contentsline {subsection}{\numberline {13.3.2}Cedefop’s study}{152}{subsection.13.3.2}%
\contentsline {section}{\numberline {13.4}Bosnia and Herzegovina}{153}{section.13.4}%
\contentsline {section}{\numberline {13.5}Türkiye}{156}{section.13.5}%
\contentsline {chapter}{\numberline {14}Reproducibility}{157}{chapter.14}%
"""


def test_pages_per_fiche_from_the_table_of_contents(tmp_path):
    from mcreport import countrypages

    names = {"Austria", "Bosnia and Herzegovina", "Türkiye"}
    assert countrypages.fiche_pages(TOC, names) == {
        "Austria": 2, "Bosnia and Herzegovina": 3, "Türkiye": 1}
    toc = tmp_path / "report.toc"
    toc.write_text(TOC, encoding="utf-8")
    text, long = countrypages.fiche_report(toc, REPO)
    assert "min 1, median 2, max 3" in text
    assert long == ["Bosnia and Herzegovina (3 pages)"]
    assert countrypages.main([str(toc)]) == 1
    with pytest.raises(ValueError, match="last entry"):
        countrypages.fiche_pages(TOC.split("\\contentsline {chapter}{\\numberline {14}")[0], names)
