"""Comparing two benchmark reports: which metrics moved, and which moved the wrong way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from rustybt.errors import ConfigError


@attrs.frozen(kw_only=True)
class MetricChange:
    """One metric of one benchmark in both reports.

    ``change`` is ``current / baseline - 1``; a regression is a change beyond the threshold
    in the bad direction (down for higher-is-better metrics, up for lower-is-better ones).
    """

    benchmark: str
    metric: str
    unit: str
    baseline: float
    current: float
    higher_is_better: bool
    regression: bool

    @property
    def change(self) -> float:
        """Relative change from the baseline."""
        return self.current / self.baseline - 1 if self.baseline else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the change."""
        return {**attrs.asdict(self), "change": self.change}


@attrs.frozen(kw_only=True)
class Comparison:
    """Every metric found in both reports, and the benchmarks found in only one of them
    (never a regression: a benchmark added since the baseline, or not run this time)."""

    threshold: float
    changes: tuple[MetricChange, ...]
    only_in_baseline: tuple[str, ...]
    only_in_current: tuple[str, ...]

    @property
    def regressions(self) -> tuple[MetricChange, ...]:
        """The changes beyond the threshold in the bad direction."""
        return tuple(c for c in self.changes if c.regression)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "threshold": self.threshold,
            "regressions": len(self.regressions),
            "changes": [c.to_dict() for c in self.changes],
            "only_in_baseline": list(self.only_in_baseline),
            "only_in_current": list(self.only_in_current),
        }


def load_report(path: str | Path) -> dict[str, Any]:
    """A report written by ``rustybt benchmark --save`` (or ``--output json``)."""
    path = Path(path)
    try:
        report = json.loads(path.read_text())
        report["benchmarks"][0]["metrics"]
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ConfigError(
            f"{path} is not a rustybt benchmark report ({type(exc).__name__})"
        ) from None
    return report


def compare_reports(
    baseline: dict[str, Any], current: dict[str, Any], *, threshold: float = 0.2
) -> Comparison:
    """Compare the medians of every metric present in both reports, and each benchmark's
    peak memory (lower is better).

    A benchmark found in one report only is listed in ``only_in_baseline`` or
    ``only_in_current``, and a metric found in one report only is left out: neither is a
    regression.
    """
    base = {b["name"]: b for b in baseline["benchmarks"]}
    now = {b["name"]: b for b in current["benchmarks"]}
    changes = []
    for name in sorted(set(base) & set(now)):
        for metric, figures in now[name]["metrics"].items():
            before = base[name]["metrics"].get(metric)
            if before is None:
                continue
            changes.append(
                _change(
                    name,
                    metric,
                    figures["unit"],
                    float(before["median"]),
                    float(figures["median"]),
                    higher_is_better=bool(figures["higher_is_better"]),
                    threshold=threshold,
                )
            )
        if "peak_memory_mb" in base[name] and "peak_memory_mb" in now[name]:
            changes.append(
                _change(
                    name,
                    "peak_memory",
                    "MB",
                    float(base[name]["peak_memory_mb"]),
                    float(now[name]["peak_memory_mb"]),
                    higher_is_better=False,
                    threshold=threshold,
                )
            )
    return Comparison(
        threshold=threshold,
        changes=tuple(changes),
        only_in_baseline=tuple(sorted(set(base) - set(now))),
        only_in_current=tuple(sorted(set(now) - set(base))),
    )


def _change(
    benchmark: str,
    metric: str,
    unit: str,
    baseline: float,
    current: float,
    *,
    higher_is_better: bool,
    threshold: float,
) -> MetricChange:
    if higher_is_better:
        worse = current < baseline * (1 - threshold)
    else:
        worse = current > baseline * (1 + threshold)
    return MetricChange(
        benchmark=benchmark,
        metric=metric,
        unit=unit,
        baseline=baseline,
        current=current,
        higher_is_better=higher_is_better,
        regression=worse,
    )
