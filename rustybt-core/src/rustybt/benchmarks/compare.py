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
    """A report written by ``rustybt benchmark --save`` (or ``--output json``).

    Raises:
        ConfigError: ``path`` is missing, unreadable, not JSON, or not shaped as a report
            (the message says what is missing where).
    """
    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ConfigError(f"benchmark report {path} {what}; give a file written by --save")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not JSON text"
        raise ConfigError(f"{path} is not a rustybt benchmark report ({reason})") from None
    problem = _report_problem(report)
    if problem is not None:
        raise ConfigError(
            f"{path} is not a rustybt benchmark report ({problem}); compare files written "
            "by rustybt benchmark --save"
        )
    return report


def _report_problem(report: Any) -> str | None:
    """What keeps ``report`` from being a benchmark report, or None when nothing does."""
    if not isinstance(report, dict) or not isinstance(report.get("benchmarks"), list):
        return "no list of benchmarks"
    if not report["benchmarks"]:
        return "the list of benchmarks is empty"
    for index, benchmark in enumerate(report["benchmarks"]):
        where = f"benchmarks[{index}]"
        if not isinstance(benchmark, dict) or not isinstance(benchmark.get("name"), str):
            return f"{where} has no name"
        metrics = benchmark.get("metrics")
        if not isinstance(metrics, dict):
            return f"{where} has no metrics"
        for metric, figures in metrics.items():
            shown = f"{where} metric {metric!r}"
            if not isinstance(figures, dict):
                return f"{shown} is not an object"
            median = figures.get("median")
            if isinstance(median, bool) or not isinstance(median, int | float):
                return f"{shown} has no numeric median"
            if not isinstance(figures.get("unit"), str):
                return f"{shown} has no unit"
            if not isinstance(figures.get("higher_is_better"), bool):
                return f"{shown} does not say whether higher is better"
        memory = benchmark.get("peak_memory_mb")
        if memory is not None and (isinstance(memory, bool) or not isinstance(memory, int | float)):
            return f"{where} peak_memory_mb is not a number"
    return None


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
