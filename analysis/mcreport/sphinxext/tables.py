"""Data tables of the book: the ``datatable`` and ``datacatalogue`` directives.

``datatable`` renders one resource of the data package as a real docutils table, so that both
the HTML and the LaTeX builders draw it natively::

    :::{datatable} eu_reference_values
    :columns: measure, population, year, geo, value, unit
    :caption: EU reference values on adult learning
    :name: tbl-eu-reference-values
    :sort: topic, -year
    :::

The resource is read with :func:`mcreport.data.load` (which validates it); a validation problem
becomes an error of the build at the page and line of the directive, naming the file, the row and
the field. Two columns are always appended: *Status* (how sure the row is; secondhand rows carry
the class ``mc-secondhand`` and say so in the cell) and *Source* (the row's ``references.bib``
key as a citation of sphinxcontrib-bibtex, linked to the bibliography). In HTML a small local
script (``static/mcreport-tables.js``) makes the table sortable and filterable; in LaTeX it is a
``longtable`` with column widths that fit the page.

``datacatalogue`` lists every resource of ``data/datapackage.json`` with its metadata, its fields
and a download link to the CSV file copied with the site.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from docutils.parsers.rst import directives, roles
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from .. import countries, data, datapackage
from ..paths import data_dir
from . import citations

if TYPE_CHECKING:  # pandas is imported when a table is made
    import pandas as pd

#: Columns every row has; shown as the last two columns of every table, never as data columns.
META_COLUMNS = ("source", "status")
#: Cell text of a missing value (an empty cell in the CSV: not applicable or unknown).
MISSING = "\u2013"
#: What the Status column says for each status of the data package.
STATUS_LABELS = {
    "verified": "verified",
    "verified-copy": "verified (copy)",
    "secondhand": "secondhand",
    "partly-secondhand": "partly secondhand",
}
#: Statuses whose rows are visibly labelled as (partly) known only from secondary sources.
SECONDHAND = frozenset({"secondhand", "partly-secondhand"})
NUMERIC_TYPES = frozenset({"integer", "number", "year"})
# Print layout. Widths of text are counted in "units": the width of an average character of the
# 10pt roman type of the PDF (about 5pt). LINE_PT is the text width of the printed page (A4 or
# letter with Sphinx's margins), TABCOLSEP_PT the space LaTeX leaves on each side of a cell.
LINE_PT = 450.0
#: Text width of a landscape page (the portrait text height), for tables too wide for a portrait one.
LANDSCAPE_LINE_PT = 680.0
#: A table of at least this many columns whose preferred widths exceed the portrait line by
#: LANDSCAPE_CROWDING (at the largest type whose narrowest widths fit) is printed in landscape.
LANDSCAPE_COLUMNS = 6
LANDSCAPE_CROWDING = 1.5
TABCOLSEP_PT = 6.0
UNIT_PT = 5.0
#: Font sizes tried, largest first, until the narrowest widths of all columns fit the line.
FONT_SIZES = ((1.0, ""), (0.9, r"\small"), (0.8, r"\footnotesize"), (0.7, r"\scriptsize"))
#: Columns whose cells are mostly longer than this (in units) are kept readably wide in HTML.
WIDE = 40.0
#: Print extent (narrowest, preferred) of the Source column when no label is known: an
#: author-year citation. With labels, the column is sized on the labels it shows.
SOURCE_EXTENT = (9.0, 14.0)
#: Publishers named in a row of the printed (condensed) catalogue; the rest are counted.
CONDENSED_PUBLISHERS = 3
#: Role that renders the Source cell (author-year citation without parentheses).
CITE_ROLE = "cite:alp"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CSS_FILE = "mcreport-tables.css"
JS_FILE = "mcreport-tables.js"

#: The code and static files of the tables: a change to one re-reads the pages that have tables
#: (and so writes them and copies the static files again).
CODE_INPUTS = (
    Path(__file__).resolve(),
    Path(data.__file__).resolve(),
    Path(datapackage.__file__).resolve(),
    STATIC_DIR / CSS_FILE,
    STATIC_DIR / JS_FILE,
)

_FAILED = "mcreport_table_failures"  # docnames whose tables failed: re-read on every build


# ---------------------------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: Any, missing: str = MISSING) -> str:
    """Cell text of one value: numbers as published, booleans as yes/no, dates in ISO form.

    Floats are written in the shortest form that reads back as the same number (the form of the
    CSV file), so 11.9 stays 11.9 and a whole number has no ``.0``.
    """
    import numpy as np
    import pandas as pd

    if is_missing(value):
        return missing
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isinf(number):
            return "\u221e" if number > 0 else "-\u221e"
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
        return np.format_float_positional(number, trim="-")
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def status_label(status: str) -> str:
    """Text of the Status cell for a status of the data package."""
    try:
        return STATUS_LABELS[status]
    except KeyError:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUS_LABELS)}") from None


def status_classes(status: str) -> list[str]:
    """Classes of a table row of that status (``mc-secondhand`` marks secondhand rows)."""
    status_label(status)
    classes = [f"mc-status-{status}"]
    if status in SECONDHAND:
        classes.append("mc-secondhand")
    return classes


def parse_list(text: str | None) -> list[str]:
    """Items of a comma-separated option, stripped, empty items dropped."""
    if not text:
        return []
    return [item.strip() for item in text.split(",") if item.strip()]


def select_columns(field_names: Sequence[str], requested: str | None = None) -> list[str]:
    """Data columns to show, in order: the requested ones, or every field but source and status.

    Raises :class:`ValueError` for an unknown or repeated column, or for source/status (always
    shown as the last two columns).
    """
    if not requested:
        return [f for f in field_names if f not in META_COLUMNS]
    columns = parse_list(requested)
    unknown = [c for c in columns if c not in field_names]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}; the resource has {', '.join(field_names)}")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ValueError(f"column(s) listed twice: {', '.join(repeated)}")
    meta = [c for c in columns if c in META_COLUMNS]
    if meta:
        raise ValueError(
            f"leave {', '.join(meta)} out of :columns:; Status and Source are always the last two columns"
        )
    return columns


def parse_sort(spec: str | None, field_names: Sequence[str]) -> list[tuple[str, bool]]:
    """``"geo, -year"`` -> ``[("geo", True), ("year", False)]`` (column, ascending)."""
    keys = []
    for item in parse_list(spec):
        ascending = not item.startswith("-")
        column = item.lstrip("+-").strip()
        if column not in field_names:
            raise ValueError(
                f"cannot sort by unknown column {column!r}; the resource has {', '.join(field_names)}"
            )
        keys.append((column, ascending))
    return keys


def sort_frame(frame: pd.DataFrame, keys: list[tuple[str, bool]]) -> pd.DataFrame:
    """Rows sorted by ``keys`` (stable; missing values last)."""
    if not keys:
        return frame
    return frame.sort_values(
        [k for k, _ in keys],
        ascending=[a for _, a in keys],
        kind="stable",
        na_position="last",
    )


def column_title(field: dict) -> str:
    """Header of a column, in words: the schema field's title, else its name with spaces
    (``ects_min`` -> ``Ects min``); a title written as a field name is spelled out too."""
    title = str(field.get("title") or field["name"])
    if title == "id":
        return "ID"
    if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+|[a-z]+", title):
        words = title.replace("_", " ")
        title = words[:1].upper() + words[1:]
    return title


def text_units(text: str) -> float:
    """Approximate printed width of ``text`` in units (an average character of 10pt type)."""
    width = 0.0
    for char in text:
        if char.isupper() or char in "mw%@&":
            width += 1.35
        elif char.isdigit() or char in "_~#":
            width += 1.0
        elif char in " .,;:'!|()[]-/iljtf":
            width += 0.55
        else:
            width += 0.9
    return width


def column_extent(title: str, cells: Sequence[str], numeric: bool = False) -> tuple[float, float]:
    """(narrowest, preferred) printed text width of a column, in units.

    The narrowest width keeps the longest word of a cell (capped) on one line and lets a long
    header word be hyphenated; a number never wraps. The preferred width holds nine cells in ten
    on one line (capped, long text wraps).
    """
    widths = sorted(text_units(c) for c in cells)
    cell_word = min(max((text_units(w) for c in cells for w in c.split()), default=1.0), 16.0)
    head_word = min(max((1.3 * text_units(w) for w in title.split()), default=1.0), 9.0)
    if numeric:
        narrow = max(max(widths, default=1.0), head_word, 2.0)
        return narrow, narrow
    narrow = max(cell_word, head_word, 2.0)
    typical = widths[int(0.9 * (len(widths) - 1))] if widths else 1.0
    return narrow, max(narrow, min(typical, 45.0))


def fit_widths(extents: Sequence[tuple[float, float]], budget: float) -> list[float]:
    """Column widths within ``budget``: each column gets its narrowest width and a share of
    what is left in proportion to how much more it would like (all preferred widths if they fit,
    the narrowest widths if not even those fit)."""
    narrow = [n for n, _ in extents]
    preferred = [p for _, p in extents]
    if sum(preferred) <= budget:
        return preferred
    if sum(narrow) >= budget:
        return narrow
    spare = budget - sum(narrow)
    wishes = [p - n for n, p in extents]
    total = sum(wishes)
    return [n + spare * w / total for n, w in zip(narrow, wishes, strict=True)]


def fit_columns(extents: Sequence[tuple[float, float]], line: float = LINE_PT, unit: float = UNIT_PT,
                sizes: Sequence[tuple[float, str]] = FONT_SIZES) -> tuple[list[int], str]:
    """Print widths of the columns in points (cell padding included) and the LaTeX font size
    command (empty for the normal size) of a table that fits a printed line of ``line`` points,
    ``unit`` being the width of an average character of the normal type."""
    padding = 2 * TABCOLSEP_PT * len(extents)
    narrow = sum(n for n, _ in extents)
    choices = [(sc, size, (line - padding) / (unit * sc)) for sc, size in sizes]
    scale, size, budget = next((c for c in choices if narrow <= c[2]), choices[-1])
    units = fit_widths(extents, budget)
    return [max(1, round(u * unit * scale + 2 * TABCOLSEP_PT)) for u in units], size


def needs_landscape(extents: Sequence[tuple[float, float]], unit: float = UNIT_PT) -> bool:
    """Whether a table is printed on a landscape page: many columns that would be squeezed to a
    word or two a line on a portrait one."""
    if len(extents) < LANDSCAPE_COLUMNS:
        return False
    padding = 2 * TABCOLSEP_PT * len(extents)
    narrow = sum(n for n, _ in extents)
    preferred = sum(p for _, p in extents)
    for scale, _size in FONT_SIZES[:3]:
        budget = (LINE_PT - padding) / (unit * scale)
        if narrow <= budget:
            return preferred > LANDSCAPE_CROWDING * budget
    return True


def fit_page(extents: Sequence[tuple[float, float]], unit: float = UNIT_PT) -> tuple[list[int], str, bool]:
    """Widths, font size and orientation (``True``: landscape, in type no larger than
    ``\\small``) of a printed table."""
    if needs_landscape(extents, unit):
        weights, size = fit_columns(extents, LANDSCAPE_LINE_PT, unit, FONT_SIZES[1:])
        return weights, size, True
    weights, size = fit_columns(extents, LINE_PT, unit)
    return weights, size, False


def print_unit(config: Config) -> float:
    """:data:`UNIT_PT` scaled to the PDF's body type (``latex_elements["pointsize"]``, 10pt
    when unset): an 11pt body sets every size one step larger."""
    size = str((config.latex_elements or {}).get("pointsize", "10pt")).strip().removesuffix("pt")
    try:
        return UNIT_PT * float(size) / 10.0
    except ValueError:
        return UNIT_PT


def source_extent(labels: Sequence[str]) -> tuple[float, float]:
    """(narrowest, preferred) width of a Source column showing these citation labels."""
    if not labels:
        return SOURCE_EXTENT
    narrow, preferred = column_extent("Source", labels)
    return max(narrow, SOURCE_EXTENT[0]), max(preferred, SOURCE_EXTENT[0])


def latex_colspec(weights: Sequence[int], numeric: Sequence[bool]) -> str:
    """Column specification of a longtable that fills the text width, wrapping long text."""
    total = sum(weights)
    specs = []
    for weight, num in zip(weights, numeric, strict=True):
        align = r"\raggedleft" if num else r"\raggedright"
        specs.append(rf">{{{align}\arraybackslash}}\X{{{weight}}}{{{total}}}")
    return "".join(specs)


# ---------------------------------------------------------------------------------------------
# Node helpers
# ---------------------------------------------------------------------------------------------


def _entry(*children: nodes.Node, classes: Sequence[str] = ()) -> nodes.entry:
    entry = nodes.entry(classes=list(classes))
    entry += nodes.paragraph("", "", *children)
    return entry


def _text_entry(text: str, classes: Sequence[str] = ()) -> nodes.entry:
    classes = list(classes)
    if text == MISSING:
        classes.append("mc-missing")
    return _entry(nodes.Text(text), classes=classes)


def table_frame(headers: Sequence[str], weights: Sequence[int], classes: Sequence[str],
                caption: str | None = None) -> tuple[nodes.table, nodes.tbody]:
    """An empty table with its caption, column widths and header row; fill the body it returns."""
    table = nodes.table(classes=list(classes))
    if caption:
        table += nodes.title(caption, caption)
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for weight in weights:
        tgroup += nodes.colspec(colwidth=weight)
    thead = nodes.thead()
    tgroup += thead
    head = nodes.row()
    thead += head
    for h in headers:
        head += _entry(nodes.Text(h))
    tbody = nodes.tbody()
    tgroup += tbody
    return table, tbody


def _sized(content: list[nodes.Node], font_size: str, landscape: bool = False) -> list[nodes.Node]:
    """``content`` set in a smaller type in LaTeX when ``font_size`` says so, on a landscape page
    when ``landscape`` (``pdflscape``); HTML unchanged."""
    if not font_size and not landscape:
        return content
    # a landscape table goes after the page under way (afterpage): the text flows on around it
    # (read with @ a letter: the table's own code uses LaTeX internals)
    begin = (r"\makeatletter\afterpage{\begin{landscape}" if landscape else "") + rf"\begingroup{font_size}"
    end = r"\endgroup" + (r"\end{landscape}}\makeatother" if landscape else "")
    return [nodes.raw("", begin, format="latex"), *content, nodes.raw("", end, format="latex")]


class _Base(SphinxDirective):
    """Shared parts: error reporting, citations through sphinxcontrib-bibtex's own role."""

    def fail(self, message: str) -> Exception:
        _failures(self.env).add(self.env.docname)
        return self.error(f"{self.name}: {message}")

    def cite(self, key: str, role: str = CITE_ROLE) -> list[nodes.Node]:
        """Citation of ``key`` made by the bibtex domain's role, exactly as ``{cite:p}`` does.

        The role registers the citation with the bibtex domain (so the reference list and the
        links come out as for any citation in the text) and returns its pending_xref node.
        """
        role_fn, messages = roles.role(role, self.state.memo.language, self.lineno, self.state.reporter)
        if role_fn is None:
            raise self.fail(f"role {role!r} is not available (is sphinxcontrib.bibtex loaded?)")
        result, problems = role_fn(role, f":{role}:`{key}`", key, self.lineno, self.state.inliner, {}, [])
        return [*messages, *result, *problems]

    def note_package(self) -> Path:
        """Record the inputs every table page has: a change to one re-reads (and re-writes) it."""
        root = data_dir()
        self.env.note_dependency(str(root / datapackage.DESCRIPTOR))
        for path in CODE_INPUTS:
            self.env.note_dependency(str(path))
        return root


def _failures(env: BuildEnvironment) -> set:
    if not hasattr(env, _FAILED):
        setattr(env, _FAILED, set())
    return getattr(env, _FAILED)


# ---------------------------------------------------------------------------------------------
# datatable
# ---------------------------------------------------------------------------------------------


class DataTable(_Base):
    """``:::{datatable} <resource>`` -- a resource of the data package as a table."""

    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = False
    has_content = False
    option_spec = {
        "columns": directives.unchanged,
        "caption": directives.unchanged,
        "name": directives.unchanged,
        "sort": directives.unchanged,
        "class": directives.class_option,
        "anchor": directives.unchanged,
    }

    def row_target(self, frame: pd.DataFrame, i: int) -> list[nodes.Node]:
        """``:anchor: initiative-{id}``: a link target per row (``{ref}`text <initiative-b01>```)."""
        template = self.options.get("anchor", "").strip()
        if not template:
            return []
        try:
            label = template.format(**{c: format_value(frame[c].iloc[i]) for c in frame.columns})
        except KeyError as exc:
            raise self.fail(f":anchor: names unknown column {exc}") from None
        label = nodes.make_id(label)
        target = nodes.target("", "", ids=[label], names=[label])
        self.state.document.note_explicit_target(target, target)
        return [target]

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0].strip()
        root = self.note_package()
        try:
            descriptor = datapackage.resource_descriptor(name, root)
        except datapackage.DataPackageError as exc:
            raise self.fail(str(exc)) from None
        self.env.note_dependency(str(root / descriptor["path"]))
        try:
            frame = data.load(name)
        except datapackage.DataPackageError as exc:
            raise self.fail(f"resource {name!r} does not pass validation: {exc}") from None

        fields = {f["name"]: f for f in descriptor["schema"]["fields"]}
        missing_meta = [c for c in META_COLUMNS if c not in fields]
        if missing_meta:
            raise self.fail(f"resource {name!r} has no {' or '.join(missing_meta)} column")
        try:
            columns = select_columns(list(fields), self.options.get("columns"))
            frame = sort_frame(frame, parse_sort(self.options.get("sort"), list(fields)))
            statuses = [str(s) for s in frame["status"]]
            for status in statuses:
                status_label(status)
        except ValueError as exc:
            raise self.fail(f"resource {name!r}: {exc}") from None

        numeric = [fields[c].get("type") in NUMERIC_TYPES for c in columns]
        texts = {c: [format_value(v) for v in frame[c].tolist()] for c in columns}
        sources = [format_value(v, missing="") for v in frame["source"].tolist()]

        titles = [column_title(fields[c]) for c in columns] + ["Status", "Source"]
        labels = [status_label(st) for st in statuses]
        extents = [
            column_extent(title, texts[c], num)
            for title, c, num in zip(titles, columns, numeric, strict=False)
        ]
        cite_labels = [citations.current().label_of(k) for k in sources if k]
        weights, font_size, landscape = fit_page(
            extents + [column_extent("Status", labels), source_extent([x for x in cite_labels if x])],
            print_unit(self.config))
        # HTML: columns of long text keep a readable width (the table scrolls sideways instead)
        css = {
            c: [f"mc-col-{c}"] + (["mc-num"] if num else []) + (["mc-wide"] if ext[1] > WIDE else [])
            for c, num, ext in zip(columns, numeric, extents, strict=True)
        }
        sort_keys = dict(parse_sort(self.options.get("sort"), list(fields)))

        table = nodes.table(classes=["mc-datatable-table", "longtable", *self.options.get("class", [])])
        self.set_source_info(table)
        caption = self.options.get("caption", "").strip()
        if caption:
            inline, messages = self.state.inline_text(caption, self.lineno)
            title = nodes.title(caption, "", *inline)
            self.set_source_info(title)
            table += title
            table.extend(messages)
        self.add_name(table)

        tgroup = nodes.tgroup(cols=len(titles))
        table += tgroup
        for weight in weights:
            tgroup += nodes.colspec(colwidth=weight)

        thead = nodes.thead()
        tgroup += thead
        header = nodes.row()
        thead += header
        for column, title in zip(columns, titles, strict=False):
            classes = list(css[column])
            if column in sort_keys:
                classes.append("mc-sorted-asc" if sort_keys[column] else "mc-sorted-desc")
            header += _text_entry(title, classes)
        header += _text_entry("Status", ["mc-col-status"])
        header += _text_entry("Source", ["mc-col-source"])

        tbody = nodes.tbody()
        tgroup += tbody
        for i, status in enumerate(statuses):
            row = nodes.row(classes=["mc-row", *status_classes(status)])
            for n, column in enumerate(columns):
                row += _text_entry(texts[column][i], css[column])
                if n == 0:
                    row[-1][0].insert(0, self.row_target(frame, i))
            label = nodes.inline("", status_label(status), classes=["mc-status", f"mc-status-{status}"])
            if status in SECONDHAND:
                label = nodes.emphasis("", "", label)
            row += _entry(label, classes=["mc-col-status"])
            if sources[i]:
                row += _entry(*self.cite(sources[i]), classes=["mc-col-source"])
            else:
                row += _text_entry(MISSING, ["mc-col-source"])
            tbody += row

        colspec = addnodes.tabular_col_spec()
        colspec["spec"] = latex_colspec(weights, numeric + [False, False])
        box = nodes.container(classes=["mc-datatable", f"mc-datatable-{name.replace('_', '-')}"])
        box += table
        return _sized([colspec, box], font_size, landscape)


# ---------------------------------------------------------------------------------------------
# datacatalogue
# ---------------------------------------------------------------------------------------------


def describe_constraints(field: dict) -> str:
    """Short text of a field's constraints (a long enumeration is summarised)."""
    cons = field.get("constraints", {})
    parts = []
    if cons.get("required"):
        parts.append("required")
    if cons.get("unique"):
        parts.append("unique")
    enum = cons.get("enum")
    if enum:
        if sorted(map(str, enum)) == sorted(countries.geo_codes()):
            parts.append(f"a country or aggregate code as Eurostat writes it ({len(enum)} codes)")
        elif len(enum) > 8:
            parts.append(f"one of {len(enum)} codes")
        else:
            parts.append("one of " + ", ".join(format_value(v) for v in enum))
    if "minimum" in cons:
        parts.append(f"minimum {format_value(cons['minimum'])}")
    if "maximum" in cons:
        parts.append(f"maximum {format_value(cons['maximum'])}")
    if "pattern" in cons:
        parts.append(f"pattern {cons['pattern']}")
    return "; ".join(parts)


def human_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


class DataCatalogue(_Base):
    """``:::{datacatalogue}`` -- every resource of the data package, with its download link."""

    required_arguments = 0
    has_content = False
    option_spec: dict = {}

    def download(self, path: Path, text: str) -> addnodes.download_reference:
        """Link to ``path``, copied with the site (Sphinx's ``download`` role machinery)."""
        rel = os.path.relpath(path, self.env.srcdir).replace(os.sep, "/")
        if rel.startswith(".."):
            raise self.fail(f"{path} is outside the book's source folder; cannot link it")
        node = addnodes.download_reference(
            "",
            "",
            reftarget="/" + rel,
            refdoc=self.env.docname,
            refdomain="",
            reftype="download",
            refexplicit=True,
            refwarn=False,
        )
        node += nodes.literal(text, text, classes=["xref", "download"])
        self.set_source_info(node)
        return node

    def _field(self, name: str, *body: nodes.Node) -> nodes.field:
        field = nodes.field()
        field += nodes.field_name(name, name)
        body_node = nodes.field_body()
        for item in body:
            body_node += (
                item if not isinstance(item, nodes.Inline | nodes.Text) else (nodes.paragraph("", "", item))
            )
        field += body_node
        return field

    def _para(self, *children: nodes.Node) -> nodes.paragraph:
        return nodes.paragraph("", "", *children)

    def _link(self, text: str, url: str | None) -> nodes.Node:
        if not url:
            return nodes.Text(text)
        return nodes.reference(text, text, refuri=url)

    def _sources(self, sources: list[dict]) -> nodes.Node:
        items = nodes.bullet_list()
        for src in sources:
            para = nodes.paragraph()
            publisher = src.get("publisher")
            if publisher:
                para += nodes.strong(publisher, publisher)
            if src.get("dataset"):
                para += nodes.Text(", dataset ")
                para += nodes.literal(src["dataset"], src["dataset"])
            if publisher or src.get("dataset"):
                para += nodes.Text(": ")
            para += self._link(src.get("title", ""), src.get("path"))
            if src.get("bibkey"):
                para += nodes.Text(" ")
                para.extend(self.cite(src["bibkey"], "cite:p"))
            items += nodes.list_item("", para)
        return items

    def _licences(self, licences: list[dict]) -> nodes.Node:
        para = nodes.paragraph()
        for i, lic in enumerate(licences):
            if i:
                para += nodes.Text("; ")
            para += self._link(lic.get("title") or lic.get("name", ""), lic.get("path"))
            if lic.get("title") and lic.get("name"):
                para += nodes.Text(f" ({lic['name']})")
        return para

    def _fields_table(self, resource: dict) -> list[nodes.Node]:
        headers = ["Field", "Type", "Meaning", "Constraints"]
        rows = [
            [f["name"], f.get("type", "string"), f.get("title", ""), describe_constraints(f)]
            for f in resource["schema"]["fields"]
        ]
        extents = [column_extent(h, [r[i] for r in rows]) for i, h in enumerate(headers)]
        extents[0] = (1.3 * extents[0][0], 1.3 * extents[0][1])  # field names in monospace
        weights, font_size = fit_columns(extents, unit=print_unit(self.config))
        table, tbody = table_frame(headers, weights, ["mc-catalogue-fields", "longtable"])
        for name, type_, meaning, constraints in rows:
            row = nodes.row()
            row += _entry(nodes.literal(name, name))
            row += _text_entry(type_)
            row += _text_entry(meaning or MISSING)
            row += _text_entry(constraints or MISSING)
            tbody += row
        colspec = addnodes.tabular_col_spec()
        colspec["spec"] = latex_colspec(weights, [False] * len(headers))
        return _sized([colspec, table], font_size)

    def run(self) -> list[nodes.Node]:
        root = self.note_package()
        try:
            package = datapackage.read(root)
        except datapackage.DataPackageError as exc:
            raise self.fail(str(exc)) from None
        out: list[nodes.Node] = []
        intro = self._para(
            nodes.Text(
                f"The package holds {len(package['resources'])} "
                f"dataset{'' if len(package['resources']) == 1 else 's'}. Its descriptor, "
            ),
            self.download(root / datapackage.DESCRIPTOR, datapackage.DESCRIPTOR),
            nodes.Text(
                ", lists them with their schemas, hashes and sizes in the Frictionless Data Package format."
            ),
        )
        out.append(intro)
        for res in package["resources"]:
            path = root / res["path"]
            self.env.note_dependency(str(path))
            section = nodes.section(ids=[f"dataset-{res['name'].replace('_', '-')}"])
            section["names"].append(nodes.fully_normalize_name(f"dataset {res['name']}"))
            self.state.document.note_implicit_target(section, section)
            section += nodes.title(res.get("title", res["name"]), res.get("title", res["name"]))
            fields = nodes.field_list(classes=["mc-catalogue-entry"])
            fields += self._field("Name", nodes.literal(res["name"], res["name"]))
            if res.get("description"):
                fields += self._field("Description", self._para(nodes.Text(res["description"])))
            if res.get("sources"):
                fields += self._field("Sources", self._sources(res["sources"]))
            if res.get("licenses"):
                fields += self._field("Licence", self._licences(res["licenses"]))
            if res.get("modifications"):
                fields += self._field("Modifications", self._para(nodes.Text(res["modifications"])))
            rows = res.get("rows")
            key = res["schema"].get("primaryKey")
            if isinstance(key, str):
                key = [key]
            shape = f"{rows} rows" if rows is not None else "rows not counted"
            fields += self._field(
                "Rows",
                self._para(
                    nodes.Text(shape),
                    nodes.Text(f"; one row per {', '.join(key)}" if key else ""),
                ),
            )
            size = f" ({human_bytes(res['bytes'])})" if res.get("bytes") else ""
            fields += self._field(
                "Download",
                self._para(
                    self.download(path, Path(res["path"]).name),
                    nodes.Text(f"{size}, CSV, UTF-8"),
                ),
            )
            section += fields
            section.extend(self._fields_table(res))
            out.append(section)
        # The site shows every entry; the printed report one line a dataset (the site has the rest).
        full = addnodes.only(expr="html")
        full.extend(out[1:])
        return [out[0], full, self._condensed(package)]

    def _condensed(self, package: dict) -> addnodes.only:
        """The catalogue in print: one row a dataset (file, publishers, licence, rows)."""
        printed = addnodes.only(expr="latex")
        printed += self._para(nodes.Text(
            "In print, one line a dataset; the report's website gives, for each dataset, its "
            "description, sources, modifications, the meaning and constraints of every column, and "
            "the file to download."))
        headers = ["Dataset", "Publisher (dataset code)", "Licence", "Rows"]
        rows = []
        for res in package["resources"]:
            names = list(dict.fromkeys(
                (s.get("publisher") or "") + (f" ({s['dataset']})" if s.get("dataset") else "")
                for s in res.get("sources", [])))
            if len(names) > CONDENSED_PUBLISHERS:
                names = names[:CONDENSED_PUBLISHERS - 1] + [f"{len(names) - CONDENSED_PUBLISHERS + 1} more"]
            pubs = "; ".join(names)
            lic = "; ".join(lic.get("name") or lic.get("title", "") for lic in res.get("licenses", []))
            rows.append([res.get("title", res["name"]), res["path"], pubs or MISSING, lic or MISSING,
                         str(res.get("rows", MISSING))])
        extents = [column_extent(headers[0], [r[0] + " " + r[1] for r in rows]),
                   column_extent(headers[1], [r[2] for r in rows]),
                   column_extent(headers[2], [r[3] for r in rows]),
                   column_extent(headers[3], [r[4] for r in rows], numeric=True)]
        weights, font_size = fit_columns(extents, unit=print_unit(self.config))
        table, tbody = table_frame(headers, weights, ["mc-catalogue-condensed", "longtable"],
                                   caption="Datasets of the report")
        for title, path, pubs, lic, count in rows:
            row = nodes.row()
            row += _entry(nodes.Text(title + " "), nodes.emphasis(path, path))
            row += _text_entry(pubs)
            row += _text_entry(lic)
            row += _text_entry(count)
            tbody += row
        colspec = addnodes.tabular_col_spec()
        colspec["spec"] = latex_colspec(weights, [False, False, False, True])
        printed.extend(_sized([colspec, table], font_size))
        return printed


# ---------------------------------------------------------------------------------------------
# Sphinx wiring
# ---------------------------------------------------------------------------------------------


def _add_static_path(app: Sphinx, config: Config) -> None:
    path = str(STATIC_DIR)
    if path not in config.html_static_path:
        config.html_static_path.append(path)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _failures(env).discard(docname)


def _reread_failed(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Pages whose tables failed are read again, so the error is reported until fixed."""
    return sorted(d for d in _failures(env) if d in env.found_docs and d not in removed)


def setup(app: Sphinx) -> None:
    app.add_directive("datatable", DataTable)
    app.add_directive("datacatalogue", DataCatalogue)
    app.connect("config-inited", _add_static_path)
    app.add_css_file(CSS_FILE)
    app.add_js_file(JS_FILE, loading_method="defer")
    app.connect("env-purge-doc", _purge)
    app.connect("env-get-outdated", _reread_failed)
