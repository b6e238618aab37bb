"""Market data: the canonical bar schema, validation, and the data source protocol.

Names are imported on first use, so plugins can import submodules of this package without
paying for pandas and pyarrow.
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "BAR_COLUMNS": "rustybt.data.schema",
    "BAR_SCHEMA": "rustybt.data.schema",
    "FREQUENCIES": "rustybt.data.schema",
    "DataSource": "rustybt.data.source",
    "SourceCapabilities": "rustybt.data.source",
    "validate_bars": "rustybt.data.validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rustybt.data' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = sorted(_LAZY)
