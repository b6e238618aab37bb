"""Analysis of a finished run: risk and performance metrics of its returns
(:mod:`rustybt.analytics.risk`)."""

from rustybt.analytics import risk
from rustybt.analytics.risk import summary

__all__ = ["risk", "summary"]
