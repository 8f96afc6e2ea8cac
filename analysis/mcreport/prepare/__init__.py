"""Preparation: raw official files (or the publisher's API) -> tidy datasets in ``data/``.

Run ``python -m mcreport.prepare --raw ../shared/sources`` (or ``--online``); see
:mod:`mcreport.prepare.__main__`. Each preparation function returns the tidy frame and a
:class:`Tally` of rows read, kept and dropped with the reason, so that nothing disappears silently.
"""

from .tally import Tally

__all__ = ["Tally"]
