"""Core's built-in data sources as plugins, registered through the same hooks as any other.

They are entry points of ``rustybt-core``; the sources themselves (pandas, pyarrow) are
imported only when one is created.
"""

from __future__ import annotations

from rustybt.hookspecs import Register, hookimpl
from rustybt.plugins import LazyFactory


class SamplePlugin:
    """The ``sample`` source: real daily bars embedded in the package."""

    @staticmethod
    @hookimpl
    def rustybt_register_data_sources(register: Register) -> None:
        """Register ``sample``."""
        register("sample", LazyFactory("rustybt.data.sample_source:SampleDataSource"))


class FilesPlugin:
    """The ``files`` source: a directory of CSV or Parquet files, one per symbol."""

    @staticmethod
    @hookimpl
    def rustybt_register_data_sources(register: Register) -> None:
        """Register ``files``."""
        register("files", LazyFactory("rustybt.data.file_source:FileDataSource"))
