"""Per-epoch training records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class History:
    """One dict per epoch: ``epoch``, ``train_<part>``, ``val_<part>``, ``lr``, ``seconds``.

    ``history["train_total"]`` gives one metric over epochs.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None  # epoch whose weights the model ended with (when restored)
    stopped_early: bool = False

    def __getitem__(self, key: str) -> list[float]:
        if not self.records or key not in self.records[-1]:
            known = sorted(self.records[-1]) if self.records else []
            raise KeyError(f"no metric {key!r} in the history; known: {known}")
        return [r[key] for r in self.records if key in r]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def metrics(self) -> list[str]:
        return [k for k in self.records[-1] if k != "epoch"] if self.records else []

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "best_epoch": self.best_epoch, "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "History":
        return cls(
            records=list(values.get("records", [])),
            best_epoch=values.get("best_epoch"),
            stopped_early=bool(values.get("stopped_early", False)),
        )
