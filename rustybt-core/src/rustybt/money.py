"""Exact numbers handed to strategies that still mix with the floats strategies compute with.

The ledger is exact ``Decimal``. Strategies written for Zipline, though, multiply portfolio
values by float weights (``context.portfolio.cash * 0.5``), which plain ``Decimal`` refuses.
:class:`Money` is a ``Decimal`` that stays exact with ints and Decimals and turns into a float
when combined with a float, so such code runs unchanged while the ledger never sees a float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def _combine(op: str, reflected: bool):
    decimal_op = getattr(Decimal, op)

    def method(self: Money, other: Any) -> Any:
        if isinstance(other, float):
            left, right = (other, float(self)) if reflected else (float(self), other)
            return getattr(float, "__" + op.strip("_").removeprefix("r") + "__")(left, right)
        result = decimal_op(self, other)
        return Money(result) if isinstance(result, Decimal) else result

    method.__name__ = op
    return method


class Money(Decimal):
    """A ``Decimal`` that yields ``float`` when combined with a ``float`` (see module doc)."""

    __slots__ = ()

    __add__ = _combine("__add__", False)
    __radd__ = _combine("__radd__", True)
    __sub__ = _combine("__sub__", False)
    __rsub__ = _combine("__rsub__", True)
    __mul__ = _combine("__mul__", False)
    __rmul__ = _combine("__rmul__", True)
    __truediv__ = _combine("__truediv__", False)
    __rtruediv__ = _combine("__rtruediv__", True)
    __floordiv__ = _combine("__floordiv__", False)
    __rfloordiv__ = _combine("__rfloordiv__", True)

    def __neg__(self) -> Money:
        return Money(Decimal.__neg__(self))

    def __abs__(self) -> Money:
        return Money(Decimal.__abs__(self))

    def __repr__(self) -> str:
        return f"Money('{self}')"
