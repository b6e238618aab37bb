"""Argument checks of the built-in factors: each failure is one line naming the factor, the
argument and the fix, raised as :class:`~rustybt.errors.StrategyError` as the term checks are."""

from __future__ import annotations

from typing import Any

import numpy as np

from rustybt.errors import StrategyError

_NUMERIC = (np.dtype(np.float64), np.dtype(np.int64))


def require_single_input(term: Any) -> None:
    """The factor ``term`` was given exactly one input."""
    count = len(term.inputs)
    if count != 1:
        raise StrategyError(
            f"{type(term).__name__} takes exactly one input, got {count};"
            " pass inputs=[one column or factor]"
        )


def require_window_length_at_least(term: Any, minimum: int, hint: str) -> None:
    """The factor ``term`` has a window of at least ``minimum`` rows."""
    if term.window_length < minimum:
        raise StrategyError(
            f"{type(term).__name__} needs window_length >= {minimum},"
            f" got {term.window_length}; {hint}"
        )


def require_numeric_term(factor: str, argument: str, term: Any) -> None:
    """``term``, the ``argument`` of ``factor``, has a float64 or int64 dtype."""
    if np.dtype(getattr(term, "dtype", object)) not in _NUMERIC:
        raise StrategyError(
            f"{factor}: {argument} must be a numeric (float64 or int64) factor or column,"
            f" got {term!r}"
        )


def require_same_mask(factor: str, base: Any, other: Any) -> None:
    """A two-dimensional ``other`` term shares ``base``'s mask, so their columns align."""
    if getattr(other, "ndim", 2) == 2 and base.mask is not other.mask:
        raise StrategyError(
            f"{factor}: {base!r} and {other!r} have different masks; give both the same mask="
            " or pass a single asset's slice (factor[asset]) as the target"
        )
