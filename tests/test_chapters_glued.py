"""Numbers in the report's analysis chapters are glued from notebooks, never typed by hand.

A theme chapter (``book/theme*.md``), the conclusions and, when it pastes glue or shows figures,
the methods page must not contain a hand-typed percentage or count such as ``12.8 %`` or
``24 countries``. Allowed are numbers inside glue, citation and cross-reference roles, labels,
directive options (figure paths, names, alt text), inline and fenced code, math, link targets,
comments, years (1990-2035 standing alone, and year ranges such as 2017-19), ordinals (21st),
list and enumeration numbers (``1.`` at the start of a list item, ``(2)``), day-month dates,
numbers named by a label word (Theme 3, Annex I, level 5, No 87, version 4.3), age bands such as
25-64, and codes in which the digits belong to a word (EU27, COVID-19, trng_lfse_04, 5_1_3).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcreport import references

from .conftest import REPO

# Roles whose content is not prose the reader takes as a hand-typed statistic.
ALLOWED_ROLES = re.compile(
    r"\{(?:glue(?::\w+)?|cite(?::\w+)?|numref|ref|doc|eq|term|download|math|abbr|code)\}`[^`]*`"
)
ANY_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")
# Directives whose body is code, data or configuration rather than prose.
CODE_DIRECTIVES = {"code", "code-block", "code-cell", "sourcecode", "math", "raw", "mermaid",
                   "bibliography", "toctree", "literalinclude", "include", "glue", "glue:any",
                   "glue:figure", "glue:math", "datatable", "tableofcontents"}
# Directives whose argument is a path or a key, not prose.
PATH_DIRECTIVES = {"figure", "image", "glue:figure", "include", "literalinclude", "datatable"}

MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec")
LABEL_WORDS = (
    r"themes?|chapters?|sections?|parts?|annex(?:es)?|articles?|art\.|levels?|no\.?|nos\.?|nr\.?|"
    r"numbers?|paragraphs?|points?|steps?|figures?|fig\.|tables?|tab\.|items?|versions?|v|"
    r"volumes?|vol\.|issues?|waves?|phases?|rounds?|principles?|elements?|pages?|p\.|pp\.|"
    r"footnotes?|boxes|box|isced(?:-f)?|nuts|eqf|nqf|rank|id"
)
ALLOWED_PATTERNS = [
    re.compile(r"\b(?:isbn|issn|doi)[:\s]+[\dX./-]+", re.I),  # identifiers
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    re.compile(rf"\b\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+(?:{MONTHS})\b"),  # 15 January
    re.compile(rf"\b(?:{MONTHS})\s+\d{{1,2}}\b(?!\s*%)"),  # January 15
    re.compile(r"\b(?:19[89]\d|20[0-3]\d)\s*[-–/]\s*\d{2}\b(?![.,]\d|\s*%)"),  # 2017-19, 2021/22
    re.compile(r"\b(?:19|20)\d{2}/(?:[A-Z]\s?)?\d+(?:/\d+)?"),  # 2022/C 243/02, 2018/1725
    re.compile(r"\bCOM\s*\(\d{4}\)\s*\d+"),  # COM(2020) 274
    re.compile(r"\bKIVET\s+\d{4}[a-z]?\b"),  # Cedefop's indicator codes: KIVET 1050a
    re.compile(r"\bOJ\s+[CL]\s+\d+"),  # OJ C 243
    re.compile(rf"\b(?:{LABEL_WORDS})\s+\d+(?:\.\d+)*(?:\s*(?:[-–,]|to|and|or)\s*\d+(?:\.\d+)*)*"
               r"(?!\s*(?:%|per\s*cent|percent|pp|percentage))", re.I),
    # age bands: 25-64, 16–74, aged 65+
    re.compile(r"\b(?:1[5-9]|[2-9]\d)\s*[-–]\s*(?:[2-9]\d)\b(?![.,]\d|\s*(?:%|per\s*cent|percent|"
               r"pp|percentage|points))"),
    re.compile(r"\b(?:1[5-9]|[2-9]\d)\+"),
    re.compile(r"\(\d{1,2}\)|\b\d{1,2}\)\s"),  # enumerations (1), 1)
    re.compile(r"\b\d+(?:st|nd|rd|th)\b"),  # ordinals
    re.compile(r"=\s*100\b(?![.,]\d|\s*%)"),  # index base: 2019 = 100
    re.compile(r"\b(?:19[89]\d|20[0-3]\d)s?\b(?![\d.,]\d|\s*(?:%|per\s*cent|percent))"),  # years
]
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
LIST_ITEM = re.compile(r"^\s*\d+[.)]\s")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,}|:{3,})\s*(\{([^}]+)\})?\s*(.*)$")


def _strip_inline(text: str) -> str:
    """Remove the parts of a prose line where numbers are allowed."""
    text = ALLOWED_ROLES.sub(" ", text)
    text = ANY_ROLE.sub(lambda m: " " + m.group(1) + " ", text)  # other roles: check the content
    text = re.sub(r"``[^`]*``|`[^`]*`", " ", text)  # inline code
    text = re.sub(r"\$[^$]+\$", " ", text)  # inline math
    text = re.sub(r"\]\([^)]*\)", "] ", text)  # link targets
    text = re.sub(r"<https?://[^>]*>|https?://\S+", " ", text)  # bare links
    text = re.sub(r"<[^>]+>", " ", text)  # html tags
    text = re.sub(r"\{[\w:-]+\}", " ", text)  # role names left over
    for pattern in ALLOWED_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def _numbers(text: str) -> list[str]:
    """Hand-typed numbers in a stripped prose line."""
    found = []
    for match in NUMBER.finditer(text):
        before, after = text[: match.start()], text[match.end():]
        if re.search(r"[A-Za-z_]-?$", before) or re.match(r"_", after):
            continue  # the digits belong to a code: EU27, COVID-19, trng_lfse_04, 5_1_3
        if re.search(r"\d[_.]$", before):
            continue  # tail of a code such as 5_1_3
        found.append(match.group())
    return found


def hand_typed(markdown: str) -> list[tuple[int, str, str]]:
    """``(line number, number, line)`` for every hand-typed number in a MyST Markdown page."""
    problems = []
    lines = markdown.splitlines()
    fences: list[tuple[str, bool]] = []  # open fences: (marker, body is prose)
    in_options = False
    in_comment = False
    in_math = False
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                start = i + 1
                break
    for number, line in enumerate(lines[start:], start=start + 1):
        stripped = line.strip()
        if in_comment:
            in_comment = "-->" not in line
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            continue
        if in_math:
            in_math = not stripped.endswith("$$")
            continue
        if stripped.startswith("$$"):
            in_math = not (len(stripped) > 2 and stripped.endswith("$$"))
            continue
        fence = FENCE.match(line)
        if fence:
            marker, directive, argument = fence.group(2), fence.group(4), fence.group(5)
            if fences and marker[0] == fences[-1][0][0] and len(marker) >= len(fences[-1][0]) \
                    and not directive and not argument:
                fences.pop()
                in_options = False
                continue
            if fences and not fences[-1][1]:
                continue  # a fence inside code
            prose = bool(directive) and directive.strip() not in CODE_DIRECTIVES
            fences.append((marker, prose))
            in_options = bool(directive)
            if prose and argument and directive.strip() not in PATH_DIRECTIVES:
                problems += [(number, n, line) for n in _numbers(_strip_inline(argument))]
            continue
        if fences and not fences[-1][1]:
            continue
        if in_options:
            if re.match(r"\s*:[\w-]+:", line):
                continue  # directive option: :name:, :alt:, :width:
            in_options = False
            if not stripped:
                continue
        if re.match(r"^\s*\([\w:.-]+\)=\s*$", line) or re.match(r"^\s*\[[^\]]+\]:\s", line):
            continue  # labels and link definitions
        if line.startswith("    ") and not fences and not stripped.startswith(("-", "*")):
            continue  # indented code block
        text = LIST_ITEM.sub(" ", line)
        problems += [(number, n, line) for n in _numbers(_strip_inline(text))]
    return problems


def analysis_pages(root: Path) -> list[Path]:
    """The pages whose numbers must be glued: every page of the book (chapters and knowledge base)."""
    return sorted((root / "book").rglob("*.md"))


@pytest.mark.parametrize("page", analysis_pages(REPO), ids=lambda p: p.name)
def test_no_hand_typed_numbers(page):
    problems = hand_typed(references.read_page(page, REPO))  # not UTF-8: names file and byte
    rel = page.relative_to(REPO)
    assert not problems, "numbers typed by hand instead of glued from a notebook:\n" + "\n".join(
        f"{rel}:{line}: {num!r} in: {text.strip()}" for line, num, text in problems)


def test_theme_chapters_are_checked():
    names = {p.name for p in analysis_pages(REPO)}
    assert {"theme1-mapping.md", "theme2-qualifications.md", "theme3-end-users.md",
            "conclusions.md", "methods.md", "definitions.md", "index.md"} <= names


BAD = [
    "In 2023, 12.8 % of adults learned.",
    "The rate fell in 24 countries.",
    "About 28 times as high.",
    "A rise of 2.8 pp since 2020.",
    "Up 2.8pp.",
    "Share: 46.6%.",
    "## 24 countries",
    "It rose by 1 000 learners.",
    "- 15 countries have a framework.",
    "Between 12-15 % of firms.",
    "{emphasis}`12 countries`",
    "The age band 25-64 reached 12 %.",
    "Version 4.3 reached 12 %.",
    "Interest was 100 in that week.",
]
GOOD = [
    "In {glue:text}`../analysis/p.ipynb::eu64_2019:.1f` % of cases {cite:p}`key2020`.",
    "See {numref}`fig-theme3-participation-eu` and {ref}`theme3-spread`.",
    "Adults aged 25-64 and 16–74 in 2019 and 2020, and 2017-19.",
    "People (aged 16-74, last three months) in the study (2017–19), by country, 2019.",
    "The COVID-19 pandemic in EU27 and EA20 (trng_lfse_04, indicator 5_1_3, I_IUOLC, S2a).",
    "Theme 3, Annex I, EQF level 5, research paper No 87, version 4.3, Article 2.",
    "The surveys stayed open until 15 January 2023; the 21st century; the 1990s.",
    "Cedefop's themes: (1) mapping, (2) systems.",
    "1. First item of a list",
    "Council Recommendation 2022/C 243/02 and COM(2020) 274.",
    "A [link](https://example.org/2020/12/page) and `code 12.8`.",
    "(theme3-participation)=",
    "Inline math $x = 12$ is code.",
    "Each series indexed to its own 2019 average (2019 = 100).",
]


@pytest.mark.parametrize("text", BAD)
def test_checker_finds_hand_typed_numbers(text):
    assert hand_typed(text), text


@pytest.mark.parametrize("text", GOOD)
def test_checker_allows_glue_years_codes_and_labels(text):
    assert hand_typed(text) == []


def test_checker_skips_code_options_and_reports_lines():
    page = "\n".join([
        "# Title",                                    # 1
        "",                                           # 2
        "```{figure} figures/theme3-x-2023.*",         # 3
        ":name: fig-theme3-x",                         # 4
        ":alt: Bars from 1.4 % to 38.8 %.",             # 5
        "",                                           # 6
        "Caption with 27 countries.",                  # 7
        "```",                                        # 8
        "",                                           # 9
        "```python",                                  # 10
        "x = 12.8",                                   # 11
        "```",                                        # 12
        ":::{note}",                                  # 13
        "Only 3 of them.",                            # 14
        ":::",                                        # 15
        "<!-- 99 hidden -->",                         # 16
        "The end in 2023.",                           # 17
    ])
    assert [(line, num) for line, num, _ in hand_typed(page)] == [(7, "27"), (14, "3")]
