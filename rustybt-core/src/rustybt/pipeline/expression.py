"""Element-wise terms: arithmetic, math functions, comparisons and logic between terms and
numbers (zipline's NumExprFactor and NumExprFilter, computed with numpy).

An arithmetic result is not masked (missing inputs give NaN); a comparison or logical
result is a filter, False wherever an asset is not alive (zipline ANDs its filters with
the universe).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rustybt.errors import StrategyError
from rustybt.pipeline.term import BOOL, FLOAT64, Term

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "%": np.fmod,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "&": operator.and_,
    "|": operator.or_,
}
COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
LOGICAL = frozenset({"&", "|"})

UNARY: dict[str, Callable[[Any], Any]] = {
    "-": operator.neg,
    "~": operator.invert,
    "abs": np.abs,
    "absolute": np.abs,
    "sqrt": np.sqrt,
    "exp": np.exp,
    "expm1": np.expm1,
    "log": np.log,
    "log10": np.log10,
    "log1p": np.log1p,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "arcsinh": np.arcsinh,
    "arccosh": np.arccosh,
    "arctanh": np.arctanh,
}
MATH_FUNCTIONS = tuple(name for name in UNARY if name not in ("-", "~"))
"""The math methods of a Factor (``factor.log()``, ``factor.abs()``...)."""


def operand(value: Any, what: str) -> Any:
    """``value`` as an operand: a term, or a number as a float; else a
    :class:`StrategyError` naming ``what``."""
    if isinstance(value, Term):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    raise StrategyError(
        f"{what}: cannot combine a pipeline term with {value!r}; use a number or another term"
    )


def evaluate(
    op: str, operands: tuple[Any, ...], arrays: list[np.ndarray], mask: np.ndarray, boolean: bool
) -> np.ndarray:
    """Apply ``op`` to ``operands`` (terms replaced, in order, by ``arrays``; numbers as
    they are); a boolean result is ANDed with ``mask``."""
    values = []
    given = iter(arrays)
    for item in operands:
        values.append(next(given) if isinstance(item, Term) else item)
    with np.errstate(all="ignore"):
        result = UNARY[op](values[0]) if len(values) == 1 else BINARY[op](*values)
    result = np.asarray(result)
    if result.ndim == 0:
        result = np.full(mask.shape, result)
    if boolean:
        return np.asarray(result, dtype=bool) & mask
    return np.asarray(result, dtype=FLOAT64)


class ExpressionMixin:
    """An element-wise term over ``operands`` (terms and numbers) with operator ``op``."""

    window_length = 0
    op: str
    operands: tuple[Any, ...]

    def compute_rows(
        self, inputs: list[Any], dates: pd.DatetimeIndex, assets: np.ndarray, mask: np.ndarray
    ) -> np.ndarray:
        """The operator applied element-wise to the inputs' rows."""
        term: Any = self
        return evaluate(self.op, self.operands, inputs, mask, term.dtype == BOOL)

    def __repr__(self) -> str:
        if len(self.operands) == 1:
            return f"{self.op}({self.operands[0]!r})"
        left, right = self.operands
        return f"({left!r} {self.op} {right!r})"


def make_expression(cls: Any, op: str, operands: tuple[Any, ...], *, window_safe: bool) -> Any:
    """The element-wise term of class ``cls`` (an ExpressionMixin Factor or Filter)."""
    inputs = tuple(o for o in operands if isinstance(o, Term))
    dtype = BOOL if op in COMPARISONS or op in LOGICAL or op == "~" else FLOAT64
    return cls._make(
        inputs=inputs,
        window_length=0,
        dtype=dtype,
        window_safe=window_safe,
        extra={"op": op, "operands": operands},
    )
