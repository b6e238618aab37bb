"""Reading the small Parquet files bar data lives in (one symbol, one dataset per file)."""

from __future__ import annotations

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
