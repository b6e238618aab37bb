"""A pipeline's dependency graph: every term it needs once, in an order that computes
each after its inputs, with the extra sessions of history each must cover."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import pandas as pd

from rustybt.pipeline.term import ComputableTerm, Term


@attrs.frozen
class TermGraph:
    """The terms reachable from ``outputs``: ``order`` (inputs first) and ``extra_rows``
    (how many sessions before the first pipeline session each term is computed for, so
    that every window over it is full)."""

    order: tuple[Term, ...]
    extra_rows: dict[Term, int]
    consumers: dict[Term, int]
    """How many terms read each term (to drop a term's values once all are computed)."""

    @classmethod
    def build(
        cls,
        outputs: Iterable[Term],
        sessions: pd.DatetimeIndex | None = None,
        start: int = 0,
    ) -> TermGraph:
        """The graph of ``outputs`` and everything they depend on, for a chunk starting at
        ``sessions[start]`` (some terms, e.g. downsampled ones, need history that depends
        on the date)."""
        order: list[Term] = []
        seen: set[int] = set()

        def visit(term: Term, path: tuple[int, ...]) -> None:
            if id(term) in seen:
                return
            for dependency in term.dependencies:
                visit(dependency, (*path, id(term)))
            seen.add(id(term))
            order.append(term)

        roots = list(dict.fromkeys(outputs))
        for term in roots:
            visit(term, ())
        extra: dict[Term, int] = dict.fromkeys(order, 0)
        consumers: dict[Term, int] = dict.fromkeys(order, 0)
        for term in reversed(order):
            # Every consumer of ``term`` comes after it in ``order``: its extra is final.
            if sessions is not None and isinstance(term, ComputableTerm):
                extra[term] = term.rows_before(sessions, start, extra[term])
            for dependency, needed in term.dependencies.items():
                extra[dependency] = max(extra[dependency], extra[term] + needed)
                consumers[dependency] += 1
        for term in roots:
            consumers[term] += 1
        return cls(order=tuple(order), extra_rows=extra, consumers=consumers)

    @property
    def max_extra_rows(self) -> int:
        """The longest history any term needs."""
        return max(self.extra_rows.values(), default=0)
