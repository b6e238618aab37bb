"""Reading the small Parquet files bar data lives in (one symbol, one dataset per file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def read_table(path: str | Path) -> pa.Table:
    """The whole file as an Arrow table, read on the calling thread: for files of a few
    thousand rows, Arrow's thread pool costs more than it saves (a 100-symbol load takes
    about half the time), and so does buffering column chunks ahead of reading them.
    Raises what pyarrow raises for a damaged file: ``ArrowException``, ``OSError``, and
    ``UnicodeDecodeError`` (a ``ValueError``) for column names that are not UTF-8."""
    with pq.ParquetFile(path, pre_buffer=False) as parquet_file:
        return parquet_file.read(use_threads=False)


def read_columns(
    path: str | Path, choose: Callable[[list[str]], list[str] | None]
) -> pa.Table | None:
    """The columns of the file that ``choose`` picks from its column names, read as
    :func:`read_table` reads (None when ``choose`` picks none: the file is not one the
    caller reads in part). Raises what :func:`read_table` raises."""
    with pq.ParquetFile(path, pre_buffer=False) as parquet_file:
        names = choose(parquet_file.schema_arrow.names)
        if names is None:
            return None
        return parquet_file.read(columns=names, use_threads=False)
