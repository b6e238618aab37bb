"""Datasets a pipeline loads: EquityPricing (USEquityPricing) and user DataSet classes."""

from rustybt.pipeline.data.dataset import (
    BoundColumn,
    Column,
    DataSet,
    EquityPricing,
    USEquityPricing,
)

__all__ = ["BoundColumn", "Column", "DataSet", "EquityPricing", "USEquityPricing"]
