"""Market data: the canonical bar schema, validation, and the data source protocol."""

from rustybt.data.schema import BAR_COLUMNS, BAR_SCHEMA, FREQUENCIES
from rustybt.data.source import DataSource, SourceCapabilities
from rustybt.data.validation import validate_bars

__all__ = [
    "BAR_COLUMNS",
    "BAR_SCHEMA",
    "FREQUENCIES",
    "DataSource",
    "SourceCapabilities",
    "validate_bars",
]
