"""Where pipeline data comes from: the loader protocol, EquityPricing from a data source,
zipline's DataFrameLoader and a loader of Parquet/CSV files for custom datasets."""

from rustybt.pipeline.loaders.base import LoadedColumn, PipelineLoader
from rustybt.pipeline.loaders.files import FilesLoader
from rustybt.pipeline.loaders.frame import DataFrameLoader
from rustybt.pipeline.loaders.pricing import PricingLoader

__all__ = ["DataFrameLoader", "FilesLoader", "LoadedColumn", "PipelineLoader", "PricingLoader"]
