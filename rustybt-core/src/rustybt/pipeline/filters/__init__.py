"""zipline's ``pipeline.filters``: Filter, CustomFilter and the built-in filters."""

from rustybt.pipeline.filter import (
    AllPresent,
    CustomFilter,
    Filter,
    NullFilter,
    NumExprFilter,
    PercentileFilter,
    StaticAssets,
    StaticSids,
)

__all__ = [
    "AllPresent",
    "CustomFilter",
    "Filter",
    "NullFilter",
    "NumExprFilter",
    "PercentileFilter",
    "StaticAssets",
    "StaticSids",
]
