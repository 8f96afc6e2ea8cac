"""The key findings of the home page follow the data: a change that reverses a direction flips the
words of the sentence, not only its numbers.

Each test takes one finding as written on ``book/index.md``, computes the values it pastes the way
the notebook does (with :mod:`mcreport.text` for the direction words), and renders the sentence
from the real data and from a modified copy of it.
"""

from __future__ import annotations

import re

import pandas as pd

from mcreport import indicators, text
from mcreport.data import load

from .conftest import REPO

INDEX = REPO / "book" / "index.md"
GLUE = re.compile(r"\{glue:text\}`[^`:]*::(\w+)(?::([^`]*))?`")


def findings() -> list[str]:
    """The bullets of the page's "Key findings" section, each joined on one line."""
    section = INDEX.read_text(encoding="utf-8").split("## Key findings", 1)[1].split("\n#", 1)[0]
    items, current = [], None
    for line in section.splitlines():
        if line.startswith("- "):
            current = line[2:].strip()
            items.append(current)
        elif current is not None and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip():
            current = None
    return items


def finding(key: str) -> str:
    """The one key finding that pastes glue ``key``."""
    found = [f for f in findings() if f"::{key}:" in f or f"::{key}`" in f]
    assert len(found) == 1, f"{len(found)} key findings paste {key}"
    return found[0]


def render(sentence: str, values: dict) -> str:
    """``sentence`` with each glue role replaced by its value, formatted as the role says."""
    def value(match):
        key, spec = match.group(1), match.group(2) or ""
        return format(values[key], "" if spec in ("s", "") else spec) if key in values \
            else "[" + key + "]"
    return GLUE.sub(value, sentence)


def test_home_page_has_eight_to_twelve_findings_each_glued_and_linked():
    items = findings()
    assert 8 <= len(items) <= 12
    for item in items:
        assert GLUE.search(item), item
        assert re.search(r"\{(?:numref|ref)\}`", item), f"no link to a figure or section: {item}"


def online(kivet: pd.DataFrame) -> dict:
    series = indicators.series(kivet, "1140a", "EU27_2020")
    return {"online_eu_2019": series[2019], "online_eu_2025": series[2025],
            "online_direction_2019_2025": text.direction(series[2025], series[2019])}


def test_online_finding_flips_when_the_data_reverse():
    kivet = load("kivet_indicators")
    sentence = finding("online_direction_2019_2025")
    now = online(kivet)
    assert now["online_eu_2025"] > now["online_eu_2019"]
    assert f"rose from {now['online_eu_2019']:.1f} %" in render(sentence, now)

    changed = kivet.copy()  # the same data with the two years' EU values exchanged
    eu = (changed.indicator == "1140a") & (changed.geo == "EU27_2020")
    y19, y25 = eu & (changed.year == 2019), eu & (changed.year == 2025)
    changed.loc[y19, "value"], changed.loc[y25, "value"] = (changed.loc[y25, "value"].values,
                                                          changed.loc[y19, "value"].values)
    after = render(sentence, online(changed))
    assert f"fell from {now['online_eu_2025']:.1f} %" in after
    assert "rose" not in after


def target(kivet: pd.DataFrame, targets: pd.DataFrame) -> dict:
    row = targets.set_index("id").loc["T2025a"]
    values = indicators.series(kivet, row.indicator, "EU27_2020")
    year = values.index.max()
    distance = indicators.distance_to_target(targets, "T2025a", row.indicator, values[year])
    return {"T2025a_latest": values[year], "T2025a_latest_year": year, "T2025a_gap": abs(distance),
            "T2025a_side": text.side(values[year], row.level), "T2025a_level": row.level,
            "T2025a_year": row.target_year}


def test_target_finding_reads_above_when_the_level_is_passed():
    kivet, targets = load("kivet_indicators"), load("eu_targets")
    sentence = finding("T2025a_side")
    assert "points below the" in render(sentence, target(kivet, targets))

    lower = targets.copy()  # a target set below the latest value
    level = lower.id == "T2025a"
    lower.loc[level, "level"] = target(kivet, targets)["T2025a_latest"] - 5
    after = render(sentence, target(kivet, lower))
    assert "points above the" in after and "below" not in after
