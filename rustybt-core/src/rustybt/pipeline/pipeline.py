"""The Pipeline: named output terms and an optional screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rustybt.errors import StrategyError
from rustybt.pipeline.term import ComputableTerm, LoadableTerm, Term


def _check_column(name: Any, term: Any) -> None:
    if not isinstance(name, str):
        raise StrategyError(f"Pipeline column names must be strings, not {name!r}")
    if isinstance(term, LoadableTerm):
        raise StrategyError(
            f"Pipeline column {name!r} is the column {term!r}, not a computed term; did you mean "
            f"{getattr(term, 'qualname', term)}.latest?"
        )
    if not isinstance(term, ComputableTerm):
        raise StrategyError(
            f"Pipeline column {name!r} must be a Factor, Filter or Classifier, not {term!r}"
        )
    if term.ndim != 2:
        raise StrategyError(
            f"Pipeline column {name!r} is a one-asset Slice; use it as a CustomFactor input"
        )


class Pipeline:
    """A set of named terms (``columns``) computed together for a range of sessions, and a
    ``screen`` (a Filter) choosing which assets appear in the output on each session.

    As zipline's: ``Pipeline(columns={'sma': SimpleMovingAverage(...)}, screen=f)``;
    ``add``, ``remove`` and ``set_screen`` change it afterwards. ``domain`` is accepted and
    ignored (RustyBT has no pipeline domains).
    """

    def __init__(
        self,
        columns: Mapping[str, Term] | None = None,
        screen: Any = None,
        domain: Any = None,
    ) -> None:
        columns = dict(columns or {})
        for name, term in columns.items():
            _check_column(name, term)
        self._columns: dict[str, Term] = columns
        self._screen: Any = None
        if screen is not None:
            self.set_screen(screen)
        self.domain = domain

    @property
    def columns(self) -> dict[str, Term]:
        """The output columns by name (a copy)."""
        return dict(self._columns)

    @property
    def screen(self) -> Any:
        """The screen filter, or None."""
        return self._screen

    def add(self, term: Term, name: str, overwrite: bool = False) -> None:
        """Add ``term`` as column ``name``; replacing one needs ``overwrite=True``."""
        _check_column(name, term)
        if name in self._columns and not overwrite:
            raise StrategyError(
                f"Pipeline already has a column {name!r}; pass overwrite=True to replace it"
            )
        self._columns[name] = term

    def remove(self, name: str) -> Term:
        """Remove column ``name`` and return its term."""
        try:
            return self._columns.pop(name)
        except KeyError:
            raise StrategyError(
                f"Pipeline has no column {name!r} (has: {', '.join(self._columns) or 'none'})"
            ) from None

    def set_screen(self, screen: Any, overwrite: bool = False) -> None:
        """Set the screen; replacing one needs ``overwrite=True``."""
        from rustybt.pipeline.filter import Filter

        if not isinstance(screen, Filter):
            raise StrategyError(f"a Pipeline's screen must be a Filter, not {screen!r}")
        if self._screen is not None and not overwrite:
            raise StrategyError("Pipeline already has a screen; pass overwrite=True to replace it")
        self._screen = screen

    def __repr__(self) -> str:
        return f"Pipeline(columns={list(self._columns)}, screen={self._screen!r})"
