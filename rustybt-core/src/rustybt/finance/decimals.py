"""Reading the numbers a strategy gives (amounts, prices, model parameters) as exact
Decimals, refusing what no amount or price can be."""

from __future__ import annotations

import math
import numbers
from decimal import Decimal


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """``value`` as a Decimal: Python and numpy ints exactly, Python and numpy floats
    through their shortest representation, strings as written. NaN and infinities are a
    ValueError: no amount or price can be one; so is a string that is no number, and
    anything else (None, a list) is a TypeError."""
    kind = type(value)
    if kind is Decimal:
        # Immutable: the order path passes Decimals along several calls.
        if not value.is_finite():  # type: ignore[union-attr]
            raise ValueError(f"{value} is not a finite number")
        return value  # type: ignore[return-value]
    if kind is int:
        return Decimal(value)
    if kind is float:
        return _from_float(value)  # type: ignore[arg-type]
    if isinstance(value, numbers.Integral):  # numpy ints, bools
        return Decimal(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, Decimal):  # numpy floats
        return _from_float(float(value))
    if not isinstance(value, str | Decimal):
        raise TypeError(f"{value!r} is not a number")
    try:
        result = Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


# Strategies give the same few floats over and over (weights, targets): a float read once
# is looked up, at a tenth of the cost of reading its repr again. Zero is not kept: 0.0 and
# -0.0 are one key but two Decimals.
_FLOATS_READ: dict[float, Decimal] = {}
_FLOATS_KEPT = 256


def _from_float(number: float) -> Decimal:
    read = _FLOATS_READ.get(number)
    if read is not None:
        return read
    if not math.isfinite(number):
        raise ValueError(f"{number!r} is not a finite number")
    read = Decimal(repr(number))
    if number:
        if len(_FLOATS_READ) >= _FLOATS_KEPT:
            _FLOATS_READ.clear()
        _FLOATS_READ[number] = read
    return read
