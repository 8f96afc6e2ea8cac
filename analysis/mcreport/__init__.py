"""Analysis package of the study report *Microcredentials for labour-market education and
training in Europe*.

One way in for each kind of thing:

- :func:`mcreport.data.load` reads a dataset of the bundled data package, validated on load;
- :mod:`mcreport.figures` holds the one figure style and saves figures for the book;
- :func:`mcreport.glue.glue` stores a value for the chapters as a Python builtin;
- :mod:`mcreport.prepare` turns raw official files into the tidy datasets;
- :mod:`mcreport.datapackage` assembles and validates ``data/datapackage.json``;
- :mod:`mcreport.references` checks ``references.bib``, the citations and the pages' encoding;
- :mod:`mcreport.checks` checks every input of the book before a build
  (``python -m mcreport check``).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
