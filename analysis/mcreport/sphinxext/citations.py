"""Author-year citations that tell apart works of one author in one year: 2023a, 2023b, ...

sphinxcontrib-bibtex's ``author_year`` style cites three Cedefop reports of 2023 all as
"Cedefop, 2023". This module adds, as plugins registered at run time:

- the referencing style ``mcreport_author_year`` (``bibtex_reference_style``): the stock
  author-year style (every role: ``p``, ``t``, ``alp``, ``ps``, ``year``, ...) whose year carries
  the work's suffix ("Cedefop, 2023b", "Cedefop [2023b]", "Cedefop, n.d.-a"), and several works
  in one citation separated by semicolons;
- the formatting style ``mcreport_author_year`` (``bibtex_default_style``): pybtex's ``plain``
  entries, sorted as an author-year reference list (author label, year with undated works first,
  suffix, title), each labelled with the same text as its parenthetical citation
  ("[Cedefop, 2023b]"), so a citation in the text is found by the same words in the list.

Suffixes follow the usual (APA) rule: works whose rendered author label and year are the same
get the letters a, b, c, ... in the order of their titles (initial articles ignored), after
"n.d." with a hyphen ("n.d.-a"). They are assigned once for the whole bibliography, from every
entry of the configured ``bibtex_bibfiles`` (:class:`Catalogue`, built when the builder starts),
and used by both styles, so the text and the list cannot disagree. When a change of the
bibliography changes the label of a work, the pages citing it are written again.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

import pybtex.plugin
from pybtex.database import Entry
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import FieldIsMissing, node, sentence
from pybtex.style.template import field as bib_field
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinxcontrib.bibtex import plugin as bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle, GroupReferenceStyle, PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.referencing.extra_author import ExtraAuthorReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_empty import ExtraEmptyReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_label import ExtraLabelReferenceStyle
from sphinxcontrib.bibtex.style.referencing.extra_year import ExtraYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join, join2, post_text, pre_text, reference

logger = logging.getLogger(__name__)

STYLE = "mcreport_author_year"  # the name of every plugin of this module, in its own group
NO_DATE = "n.d."
AUTHOR_YEAR_SEP = ", "  # as in the parenthetical citation, "Cedefop, 2023b"
_ENV_LABELS = "mcreport_cite_labels"  # in the environment: key -> list label of the last build
_ARTICLES = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
#: A ``note`` that records what could not be checked: kept on the site, not printed.
AUDIT_NOTE = re.compile(r"^\s*unverified\s*:", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# The suffixes (pure functions)
# ---------------------------------------------------------------------------------------------


class Work(NamedTuple):
    """What the suffixes depend on: one bibliography entry as a citation shows it."""

    key: str
    author: str  # the author label of a citation: "Cedefop", "Kato and Weko", "Kato et al."
    year: str  # the year field, or "n.d."
    title: str = ""


def sort_text(text: str) -> str:
    """Text for alphabetical order: accents and case ignored ("Kässi" with "Kassi")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def title_sort_text(title: str) -> str:
    """A title for alphabetical order, without an initial article ("The ..." under its next word)."""
    return _ARTICLES.sub("", sort_text(title).lstrip("\"'{("))


def letters(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", 27 -> "ab", ..."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def assign_suffixes(works: Iterable[Work]) -> dict[str, str]:
    """Suffix letter of each work that shares its author label and year with another.

    Within such a group the works take a, b, c, ... in the order of their titles (then keys);
    a work alone in its group has no suffix and is not in the result."""
    groups: dict[tuple[str, str], list[Work]] = defaultdict(list)
    for work in works:
        groups[(work.author, work.year)].append(work)
    suffixes: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue
        for i, work in enumerate(sorted(group, key=lambda w: (title_sort_text(w.title), w.title, w.key))):
            suffixes[work.key] = letters(i)
    return suffixes


def year_label(year: str, suffix: str) -> str:
    """"2023" + "b" -> "2023b"; "n.d." + "a" -> "n.d.-a" (a hyphen after a year that is no number)."""
    if not suffix:
        return year
    return f"{year}{suffix}" if year[-1:].isdigit() else f"{year}-{suffix}"


# ---------------------------------------------------------------------------------------------
# Works of pybtex entries, and the catalogue of the bibliography
# ---------------------------------------------------------------------------------------------


@dataclass
class _PersonHolder:
    person: PersonStyle  # the only part of a referencing style that the name templates read


def author_label(entry: Any, person: PersonStyle | None = None) -> str:
    """The author part of the entry's citation, as plain text (as ``{cite:p}`` renders it)."""
    person = person or PersonStyle()
    template = person.author_or_editor_or_title(full=False)
    try:
        text = template.format_data({"entry": entry, "style": _PersonHolder(person)})
    except FieldIsMissing:
        return ""
    return text.render_as("text")


def work_of(entry: Any, person: PersonStyle | None = None) -> Work:
    return Work(
        key=entry.key,
        author=author_label(entry, person),
        year=str(entry.fields.get("year", "")).strip() or NO_DATE,
        title=Text.from_latex(entry.fields["title"]).render_as("text") if "title" in entry.fields else "",
    )


class Catalogue:
    """The works of a whole bibliography with their suffixes: labels, years and order."""

    def __init__(self, works: Iterable[Work], person: PersonStyle | None = None) -> None:
        self.person = person
        self.works = {work.key: work for work in works}
        self.suffixes = assign_suffixes(self.works.values())

    @classmethod
    def of_entries(cls, entries: Iterable[Any], person: PersonStyle | None = None) -> Catalogue:
        person = person or PersonStyle()
        return cls((work_of(entry, person) for entry in entries), person)

    def work(self, entry: Any) -> Work:
        work = self.works.get(entry.key)
        return work if work is not None else work_of(entry, self.person)

    def year(self, entry: Any) -> str:
        """The year of the entry's citations and label: "2023b", "n.d.-a", "2022"."""
        work = self.work(entry)
        return year_label(work.year, self.suffixes.get(work.key, ""))

    def label(self, entry: Any) -> str:
        """The entry's label in the list, the text of its parenthetical citation."""
        work = self.work(entry)
        return f"{work.author}{AUTHOR_YEAR_SEP}{self.year(entry)}" if work.author else self.year(entry)

    def label_of(self, key: str) -> str:
        """The label of the work with this key ("" when the key is not in the bibliography)."""
        work = self.works.get(key)
        if work is None:
            return ""
        year = year_label(work.year, self.suffixes.get(key, ""))
        return f"{work.author}{AUTHOR_YEAR_SEP}{year}" if work.author else year

    def sort_key(self, entry: Any) -> tuple:
        """Author label, year (undated works first), suffix, title, key."""
        work = self.work(entry)
        suffix = self.suffixes.get(work.key, "")
        dated = work.year != NO_DATE
        return (sort_text(work.author), work.author, dated, work.year if dated else "",
                len(suffix), suffix, title_sort_text(work.title), work.key)


_catalogue = Catalogue(())  # replaced when a builder starts (see _build_catalogue)
_printing = False  # True when the builder makes the printed report (LaTeX): see _build_catalogue


class Memo:
    """What this module computes of each bibliography entry (its work, its formatted text),
    kept from one build to the next in the Sphinx environment: sphinxcontrib-bibtex formats every
    entry of the bibliography (twice, with the tooltips) on every build, most of the time of a
    one-page rebuild. A result is reused while the entry's fields and names, what it was computed
    with (the label, print or site), this module's code and the versions of pybtex,
    sphinxcontrib-bibtex and latexcodec are the same."""

    CODE = hashlib.sha256(Path(__file__).read_bytes() + " ".join(  # this module, and what it formats with
        version(name) for name in ("pybtex", "sphinxcontrib-bibtex", "latexcodec")).encode()).hexdigest()

    def __init__(self, saved: tuple[str, dict] | None = None) -> None:
        self.old = saved[1] if saved and saved[0] == self.CODE else {}
        self.new: dict = {}  # what this build used: all that is kept for the next

    def saved(self) -> tuple[str, dict]:
        return (self.CODE, self.new)

    def get(self, kind: str, entry: Any, extra: Any, compute: Callable[[], Any]) -> Any:
        key = (kind, extra, entry.key, entry.type, tuple((k, str(v)) for k, v in entry.fields.items()),
               tuple((role, tuple(map(str, people))) for role, people in entry.persons.items()))
        if key not in self.new:
            self.new[key] = self.old[key] if key in self.old else compute()
        return self.new[key]


_memo = Memo()


def current() -> Catalogue:
    """The catalogue of the bibliography of the build under way."""
    return _catalogue


# ---------------------------------------------------------------------------------------------
# pybtex plugins: formatting (the list), labels, sorting
# ---------------------------------------------------------------------------------------------


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Cedefop, 2023b": the text of the entry's parenthetical citation."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield current().label(entry)


class AuthorYearSortingStyle(BaseSortingStyle):
    """An author-year reference list: author label, year (undated first), suffix, title."""

    def sorting_key(self, entry):
        return current().sort_key(entry)


class AuthorYearFormattingStyle(PlainStyle):
    """pybtex's ``plain`` entries, labelled and ordered as an author-year reference list."""

    default_label_style = STYLE
    default_sorting_style = STYLE

    def format_entry(self, label, entry, bib_data=None):
        """In print, the entry without an audit note (see :data:`AUDIT_NOTE`); as formatted in
        an earlier build when it can be (:class:`Memo`)."""
        if _printing:
            entry = without_audit_note(entry)
        return _memo.get("formatted", entry, label,
                         lambda: super(AuthorYearFormattingStyle, self).format_entry(label, entry, bib_data))

    def format_title(self, e, which_field, as_sentence=True):
        """Titles as written in the bibliography (no forced sentence case: names keep capitals)."""
        formatted_title = bib_field(which_field)
        if as_sentence:
            return sentence[formatted_title]
        return formatted_title


def without_audit_note(entry: Entry) -> Entry:
    """The entry itself, or a copy without its ``note`` when that note is an audit note."""
    note = entry.fields.get("note")
    if note is None or not AUDIT_NOTE.match(str(note)):
        return entry
    fields = [(name, value) for name, value in entry.fields.items() if name.lower() != "note"]
    copy = Entry(entry.type, fields=fields, persons=entry.persons)
    copy.key = entry.key
    return copy


# ---------------------------------------------------------------------------------------------
# sphinxcontrib-bibtex referencing style: the stock author-year one, with suffixed years
# ---------------------------------------------------------------------------------------------


@node
def suffixed_year(children, data: dict[str, Any]) -> Text:
    """The year of a citation with the work's suffix (replaces sphinxcontrib-bibtex's ``year``)."""
    assert not children
    return Text(current().year(data["entry"]))


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
    def inner(self, role_name: str):
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[
                join(sep=self.author_year_sep)[
                    self.person.author_or_editor_or_title(full="s" in role_name),
                    suffixed_year,
                ]
            ],
            post_text,
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):
    def inner(self, role_name: str):
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[
                self.bracket.left,
                join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                    pre_text,
                    reference[suffixed_year],
                    post_text,
                ],
                self.bracket.right,
            ],
        ]


@dataclass
class _Year(ExtraYearReferenceStyle):
    def inner(self, role_name: str):
        return reference[suffixed_year]


@dataclass
class SuffixedAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    """sphinxcontrib-bibtex's ``author_year`` (same options and roles), years with suffixes.

    Several works in one citation are separated by semicolons, as author-year styles do
    ("[Cedefop, 2022b; Cedefop, 2023b]", not "[Cedefop, 2022b, Cedefop, 2023b]")."""

    bracket_textual: BracketStyle = field(default_factory=lambda: BracketStyle(sep="; "))
    bracket_parenthetical: BracketStyle = field(default_factory=lambda: BracketStyle(sep="; "))

    def __post_init__(self):
        # as AuthorYearReferenceStyle.__post_init__, with the three styles that show a year replaced
        self.styles.extend(
            [
                _Parenthetical(
                    bracket=self.bracket_parenthetical,
                    person=self.person,
                    author_year_sep=self.author_year_sep,
                    pre_text_sep=self.pre_text_sep,
                    post_text_sep=self.post_text_sep,
                ),
                _Textual(
                    bracket=self.bracket_textual,
                    person=self.person,
                    text_reference_sep=self.text_reference_sep,
                    pre_text_sep=self.pre_text_sep,
                    post_text_sep=self.post_text_sep,
                ),
                ExtraAuthorReferenceStyle(bracket=self.bracket_author, person=self.person),
                ExtraLabelReferenceStyle(bracket=self.bracket_label),
                _Year(bracket=self.bracket_year),
                ExtraEmptyReferenceStyle(),
            ]
        )
        GroupReferenceStyle.__post_init__(self)


# ---------------------------------------------------------------------------------------------
# Sphinx
# ---------------------------------------------------------------------------------------------


def _stock_plugins() -> list[tuple[str, str, type]]:
    """pybtex plugins that the bibliography looks up by name on every citation and entry."""
    from pybtex.backends.plaintext import Backend as PlainTextBackend
    from pybtex.style.names.plain import NameStyle
    from pybtex_docutils import Backend as DocutilsBackend

    return [
        ("pybtex.backends", "docutils", DocutilsBackend),
        ("pybtex.backends", "plaintext", PlainTextBackend),
        ("pybtex.backends", "text", PlainTextBackend),  # an alias of plaintext, found first here
        ("pybtex.style.names", "plain", NameStyle),
    ]


def register_plugins() -> None:
    """This module's styles, and the stock plugins the bibliography uses registered again under
    their own names with pybtex's public ``register_plugin``: pybtex finds plugins registered at
    run time before searching every installed distribution's entry points, which it would do
    on each citation otherwise."""
    for group, name, klass in _stock_plugins():
        pybtex.plugin.register_plugin(group, name, klass, force=True)
    bibtex_plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", STYLE, SuffixedAuthorYearReferenceStyle, force=True)
    pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, AuthorYearFormattingStyle, force=True)
    pybtex.plugin.register_plugin("pybtex.style.labels", STYLE, AuthorYearLabelStyle, force=True)
    pybtex.plugin.register_plugin("pybtex.style.sorting", STYLE, AuthorYearSortingStyle, force=True)


def _person_key(person: PersonStyle) -> tuple:
    """The options of a person style (its name style plugin by its name)."""
    return tuple((f.name, str(getattr(person, f.name))) for f in fields(person) if f.name != "style_plugin")


def _build_catalogue(app: Sphinx) -> None:
    """After sphinxcontrib-bibtex has read ``bibtex_bibfiles``: the catalogue of all their entries.

    Keys whose label differs from the last build are kept: the pages citing them are written
    again (their citations are rendered when a page is written, not when it is read)."""
    global _catalogue, _printing, _memo
    _printing = app.builder.format == "latex"
    _memo = Memo(getattr(app.env, "mcreport_bibliography_memo", None))
    app.env.mcreport_bibliography_memo = _memo.saved()  # pickled with the environment
    domain = app.env.get_domain("cite")
    bibdata = domain.data["bibdata"]
    keys = [key for bibfile in bibdata.bibfiles.values() for key in bibfile.keys]
    person = getattr(getattr(domain, "reference_style", None), "person", None) or PersonStyle()
    _catalogue = Catalogue([_memo.get("work", entry, _person_key(person), lambda e=entry: work_of(e, person))
                            for entry in (bibdata.data.entries[key] for key in keys)], person)
    labels = {key: _catalogue.label(bibdata.data.entries[key]) for key in keys}
    old = getattr(app.env, _ENV_LABELS, None)
    app._mcreport_relabelled = (  # type: ignore[attr-defined]
        set() if old is None else {k for k in labels.keys() | old.keys() if labels.get(k) != old.get(k)})
    setattr(app.env, _ENV_LABELS, labels)


def _pages_citing_relabelled(app: Sphinx, env: BuildEnvironment) -> list[str]:
    relabelled = getattr(app, "_mcreport_relabelled", set())
    if not relabelled:
        return []
    domain = env.get_domain("cite")
    pages = sorted({ref.docname for ref in domain.data["citation_refs"]
                    if ref.docname in env.found_docs
                    and relabelled.intersection(target.key for target in ref.targets)})
    if pages:
        logger.info(f"[mcreport] citation labels changed, writing again: {', '.join(pages)}")
    return pages


def setup(app: Sphinx) -> dict:
    register_plugins()
    app.connect("builder-inited", _build_catalogue, priority=600)  # after sphinxcontrib-bibtex's
    app.connect("env-updated", _pages_citing_relabelled)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
