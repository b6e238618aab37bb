"""What custom terms share: the per-session ``compute`` call of zipline's CustomFactor,
CustomFilter and CustomClassifier, and ``Latest``.

Each session (row), ``compute(today, assets, out, *inputs, **params)`` gets only the assets
the term's mask holds on that session: their sids, their slots of ``out`` and their columns of
each input's window (a one-column input, a Slice, is passed whole). ``out`` starts as the
term's ``missing_value``. A built-in may also compute every session at once
(``compute_rolling``, see :func:`compute_all_sessions`): the same numbers within rounding,
without a Python call per session.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rustybt.errors import StrategyCodeError, StrategyError
from rustybt.pipeline.term import NotSpecified
from rustybt.pipeline.windows import Windows
from rustybt.strategy_file import strategy_error


def allocate_output(term: Any, shape: tuple[int, ...]) -> np.ndarray:
    """An array of ``shape`` filled with ``term.missing_value``: of ``term.dtype``, or a
    record array with a field of that dtype per output."""
    if term.outputs is not NotSpecified:
        out = np.recarray(shape, formats=[term.dtype.str] * len(term.outputs), names=term.outputs)
        for name in term.outputs:
            out[name] = term.missing_value
        return out
    return np.full(shape, term.missing_value, dtype=term.dtype)


def compute_per_session(
    term: Any,
    windows: list[Windows],
    dates: pd.DatetimeIndex,
    assets: np.ndarray,
    mask: np.ndarray,
) -> np.ndarray:
    """Call ``term.compute`` once per session of ``dates`` as zipline does (see module
    doc) and return the rows it filled."""
    shape = (len(mask), 1) if term.ndim == 1 else mask.shape
    out = allocate_output(term, shape)
    compute = term.compute
    params = term.params
    iterators = [iter(w) for w in windows]
    everything = np.array([True])
    for row, today in enumerate(dates):
        out_mask = everything if term.ndim == 1 else mask[row]
        inputs_mask = mask[row]
        inputs = []
        for iterator in iterators:
            window = next(iterator)
            inputs.append(window if window.shape[1] == 1 else window[:, inputs_mask])
        out_row = out[row][out_mask]
        try:
            compute(today, assets[inputs_mask], out_row, *inputs, **params)
        except (StrategyError, KeyboardInterrupt):
            raise
        except Exception as exc:
            # The user's file and line come first, as for any error in strategy code.
            raise StrategyCodeError(
                f"{strategy_error(exc)} ({type(term).__name__}.compute, on {today.date()}); "
                "fix the factor's compute"
            ) from exc
        out[row][out_mask] = out_row
    return out


def compute_all_sessions(term: Any, windows: list[Windows], mask: np.ndarray) -> np.ndarray | None:
    """A built-in's vectorised path: ``term.compute_rolling(*inputs, **params)`` gets each
    input as a :class:`~rustybt.pipeline.windows.Rolling` (every session's window at once)
    and returns the (sessions, assets) values of every asset, of which the mask's are
    kept; or None when it cannot give zipline's numbers on this data, and the sessions are
    then computed one by one. Only for computations where an asset's value depends on its
    own column alone, so that computing the masked-out assets too changes nothing."""
    if any(w.values.shape[1] != mask.shape[1] for w in windows):
        return None
    values = term.compute_rolling(*[w.rolling() for w in windows], **term.params)
    if values is None:
        return None
    if values.dtype == term.dtype and values.shape == mask.shape and mask.all():
        return values
    out: np.ndarray = np.where(mask, values, np.asarray(term.missing_value, dtype=term.dtype))
    return out


def has_rolling_path(cls: type) -> bool:
    """Whether ``cls`` computes with ``compute_rolling``: it defines one next to the
    ``compute`` it uses (a subclass with its own ``compute`` gets that one called)."""
    for klass in cls.__mro__:
        if "compute_rolling" in vars(klass):
            return vars(klass).get("compute") is getattr(cls, "compute", None)
    return False


class CustomTermMixin:
    """The user-facing custom term: subclasses define ``compute`` (and ``inputs``,
    ``window_length``, ``params``, ``outputs``, ``mask``, ``dtype`` as class attributes or
    constructor arguments)."""

    def compute(
        self, today: pd.Timestamp, assets: np.ndarray, out: np.ndarray, *inputs: Any
    ) -> None:
        """Fill ``out`` (one slot per asset of ``assets``) from the trailing windows
        ``inputs`` known on ``today``. Subclasses must override it."""
        raise StrategyError(
            f"{type(self).__name__} defines no compute(self, today, assets, out, *inputs)"
        )

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The rows of ``dates``: session by session with ``compute``, or all at once with
        ``compute_rolling`` when the class has one (see :func:`compute_all_sessions`)."""
        term: Any = self
        if term.outputs is NotSpecified and has_rolling_path(type(term)):
            result = compute_all_sessions(term, inputs, mask)
            if result is not None:
                return result
        return compute_per_session(self, inputs, dates, assets, mask)


class LatestMixin:
    """``column.latest``: the last value of each window of one session, adjusted as of it;
    ``missing_value`` where the mask is False."""

    window_length = 1

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The latest values of the input, computed for every session at once."""
        term: Any = self
        values = inputs[0].latest()
        out = np.full(mask.shape, term.missing_value, dtype=term.dtype)
        out[mask] = values[mask]
        return out

    def __repr__(self) -> str:
        term: Any = self
        return f"Latest({term.inputs[0].qualname})"
