"""The one frequency vocabulary.

Data is stored and fetched at a *data frequency* (``1m``, ``5m``, ``15m``, ``1h``, ``1d``:
:data:`rustybt.data.schema.FREQUENCIES`). An engine runs at one of two *run frequencies*,
Zipline's ``daily`` and ``minute``, which read ``1d`` and ``1m`` data; ``1d`` and ``1m`` are
accepted wherever a run frequency is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

from rustybt.errors import ConfigError

RUN_FREQUENCIES: Mapping[str, str] = {"daily": "1d", "minute": "1m"}
"""Each run frequency and the data frequency it reads."""

_BY_DATA_FREQUENCY = {data: run for run, data in RUN_FREQUENCIES.items()}


def run_frequency(value: str) -> str:
    """``value`` as a run frequency: ``daily`` or ``minute`` (``1d`` and ``1m`` are the
    same); anything else is a :class:`ConfigError`."""
    name = _BY_DATA_FREQUENCY.get(value, value)
    if name not in RUN_FREQUENCIES:
        raise ConfigError(f"frequency must be daily (1d) or minute (1m), not {value!r}")
    return name
