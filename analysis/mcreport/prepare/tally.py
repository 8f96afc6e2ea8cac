"""Row accounting for preparation steps: raw -> kept -> dropped, with the reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    dataset: str
    raw: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)

    def drop(self, reason: str, n: int = 1) -> None:
        if n:
            self.dropped[reason] += n

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
        return "\n".join(lines)
