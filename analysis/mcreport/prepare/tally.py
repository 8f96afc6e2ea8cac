"""Row accounting for preparation steps: raw -> kept -> dropped, with the reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Tally:
    dataset: str
    raw: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)  # kept rows worth a line (e.g. flagged)

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] += n

    def note(self, what: str, n: int) -> None:
        """Count ``n`` kept rows under ``what`` (printed, not subtracted)."""
        if n:
            self.notes[what] += n

    def apply(self, steps):
        """Rows to keep after ``steps``, a list of ``(reason, mask)``: each mask marks rows to drop.

        A row is counted under the first reason that drops it, so reasons never double-count.
        """
        steps = list(steps)
        if not steps:
            raise ValueError(f"{self.dataset}: no filtering steps")
        keep = pd.Series(True, index=steps[0][1].index)
        for reason, mask in steps:
            mask = mask & keep
            self.drop(reason, int(mask.sum()))
            keep &= ~mask
        return keep

    def finish(self, out: pd.DataFrame, *, source: str, status: str, sort) -> tuple[pd.DataFrame, Tally]:
        """Stamp every kept row with its ``source`` key and ``status``, sort, count and check."""
        out = out.assign(source=source, status=status)
        if sort:
            out = out.sort_values(sort)
        out = out.reset_index(drop=True)
        self.kept = len(out)
        self.check()
        return out, self

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def check(self) -> None:
        """Every raw row is either kept or dropped for a stated reason."""
        if self.raw != self.kept + self.dropped_total:
            raise AssertionError(
                f"{self.dataset}: {self.raw} raw rows but {self.kept} kept + "
                f"{self.dropped_total} dropped"
            )

    def __str__(self) -> str:
        lines = [f"{self.dataset}: {self.raw} raw -> {self.kept} kept, {self.dropped_total} dropped"]
        for reason, n in sorted(self.dropped.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"    {n:6d} dropped: {reason}")
        for what, n in sorted(self.notes.items()):
            lines.append(f"    {n:6d} {what}")
        return "\n".join(lines)
