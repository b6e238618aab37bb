"""Datasets: named collections of columns a pipeline can load.

A :class:`DataSet` subclass declares :class:`Column` attributes; reading one from the class
gives a :class:`BoundColumn`, the loadable term a pipeline uses (``MyData.value`` or
``MyData.value.latest``). Which loader provides a dataset's data is the engine's business
(``loaders=`` of :class:`~rustybt.pipeline.engine.PipelineEngine`).
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from rustybt.errors import StrategyError
from rustybt.pipeline.term import LoadableTerm, NotSpecified, default_missing_value, kind_class


@attrs.frozen(eq=False)
class Column:
    """A column declared on a :class:`DataSet`: its ``dtype`` (float64, int64, bool,
    datetime64[ns], object) and the ``missing_value`` standing for "no data" (zipline's
    defaults: NaN, -1, False, NaT, None)."""

    dtype: Any = attrs.field(converter=np.dtype)
    missing_value: Any = NotSpecified
    doc: str | None = None
    currency_aware: bool = False

    def bind(self, dataset: type[DataSet], name: str) -> BoundColumn:
        """The loadable term of this column on ``dataset`` under ``name``."""
        missing = (
            default_missing_value(self.dtype)
            if self.missing_value is NotSpecified
            else self.missing_value
        )
        return BoundColumn._make(dataset, name, self.dtype, missing)


class BoundColumn(LoadableTerm):
    """A dataset's column as a pipeline term: ``dataset``, ``name``, ``dtype`` and
    ``missing_value``. ``.latest`` is its most recent value (a Factor, Filter or
    Classifier by dtype); as an input of a custom term it gives windows of its values."""

    dataset: type[DataSet]
    name: str
    window_safe = True

    @classmethod
    def _make(
        cls, dataset: type[DataSet], name: str, dtype: np.dtype, missing_value: Any
    ) -> BoundColumn:
        column: BoundColumn = cls._build(
            {
                "dataset": dataset,
                "name": name,
                "dtype": dtype,
                "missing_value": missing_value,
                "window_safe": True,
            }
        )
        return column

    @property
    def qualname(self) -> str:
        """``Dataset.column``, as reprs and errors name it."""
        return f"{self.dataset.__name__}.{self.name}"

    @property
    def latest(self) -> Any:
        """The column's value on the session before each pipeline session (zipline's
        ``Latest``): a Factor for numbers, a Filter for booleans, a Classifier for int64
        or object columns."""
        kind = kind_class(self.dtype)
        if kind == "filter":
            from rustybt.pipeline.filter import LatestFilter

            return LatestFilter(inputs=(self,), dtype=self.dtype, missing_value=self.missing_value)
        if kind == "classifier":
            from rustybt.pipeline.classifier import LatestClassifier

            return LatestClassifier(
                inputs=(self,), dtype=self.dtype, missing_value=self.missing_value
            )
        from rustybt.pipeline.factor import Latest

        return Latest(inputs=(self,), dtype=self.dtype, missing_value=self.missing_value)

    def unspecialize(self) -> BoundColumn:
        """The column itself: RustyBT has no pipeline domains (zipline's API)."""
        return self

    def specialize(self, domain: object) -> BoundColumn:
        """The column itself: RustyBT has no pipeline domains (zipline's API)."""
        return self

    def __repr__(self) -> str:
        return f"{self.qualname}::{self.dtype}"


class DataSetMeta(type):
    """Binds each :class:`Column` attribute of a dataset class to the class."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        dataset = super().__new__(mcs, name, bases, namespace)
        columns: dict[str, Column] = {}
        for base in reversed(dataset.__mro__[1:]):
            columns.update(getattr(base, "_column_specs", {}))
        for attr, value in namespace.items():
            if isinstance(value, Column):
                columns[attr] = value
        dataset._column_specs = columns  # type: ignore[attr-defined]
        dataset._bound = {  # type: ignore[attr-defined]
            attr: spec.bind(dataset, attr)  # type: ignore[arg-type]
            for attr, spec in columns.items()
        }
        for attr, bound in dataset._bound.items():  # type: ignore[attr-defined]
            type.__setattr__(dataset, attr, bound)
        return dataset

    @property
    def columns(cls) -> frozenset[BoundColumn]:
        """Every bound column of the dataset."""
        return frozenset(cls._bound.values())  # type: ignore[attr-defined]

    def get_column(cls, name: str) -> BoundColumn:
        """The bound column ``name``; a :class:`StrategyError` naming the columns it has
        when there is none."""
        try:
            column: BoundColumn = cls._bound[name]  # type: ignore[attr-defined]
        except KeyError:
            have = ", ".join(sorted(cls._bound)) or "none"  # type: ignore[attr-defined]
            raise StrategyError(f"{cls.__name__} has no column {name!r} (has: {have})") from None
        return column

    def __repr__(cls) -> str:
        return f"<DataSet: {cls.__name__!r}>"


class DataSet(metaclass=DataSetMeta):
    """The base of user datasets: declare columns as class attributes, e.g.::

        class Fundamentals(DataSet):
            pe_ratio = Column(float)
            sector = Column(object)

    and say where its data comes from: a ``loader`` class attribute (``loader =
    FilesLoader("fundamentals.csv")``, which travels with a strategy file run by ``rustybt
    run``), or a loader given to the engine (``loaders={Fundamentals: ...}`` of
    ``run_pipeline``, ``custom_loader=`` of ``run_algorithm``), which takes precedence.
    """

    loader: Any = None
    """The loader of the dataset's columns when the engine is given none for them."""

    domain = None

    @classmethod
    def specialize(cls, domain: object) -> type[DataSet]:
        """The dataset itself: RustyBT has no pipeline domains (zipline's API)."""
        return cls

    @classmethod
    def unspecialize(cls) -> type[DataSet]:
        """The dataset itself: RustyBT has no pipeline domains (zipline's API)."""
        return cls


class EquityPricing(DataSet):
    """Daily OHLCV of equities (zipline's ``EquityPricing``), read from the run's data
    source: the row of session D holds the bar of the session before D, its prices
    adjusted as of D for splits and dividends."""

    open = Column(np.float64)
    high = Column(np.float64)
    low = Column(np.float64)
    close = Column(np.float64)
    volume = Column(np.float64)


USEquityPricing = EquityPricing
"""zipline's US-domain pricing dataset: RustyBT has no domains, so it is EquityPricing."""
