"""RustyBT's exception hierarchy.

Every error a user can meet is a :class:`RustyBTError` whose message says what happened,
where, and what to do. The CLI prints ``error: <message>`` for these and exits 1; anything
else is a bug and gets a traceback.
"""

from __future__ import annotations


class RustyBTError(Exception):
    """Base class of every error RustyBT raises on purpose."""


class ConfigError(RustyBTError):
    """A configuration file, option or argument is invalid."""


class DataError(RustyBTError):
    """Market data is missing, malformed or violates the bar schema."""


class PluginError(RustyBTError):
    """A plugin failed to load or registered something invalid."""


class PluginNotFoundError(PluginError, LookupError):
    """A data source, broker, benchmark or alert channel name is not registered."""


class BrokerError(RustyBTError):
    """A broker refused a request or could not be reached."""


class VenueUnavailable(BrokerError):
    """A broker could not be reached, or gave no usable answer, even after its retries: a
    network error, a timeout, a rate limit, a server error or a malformed answer. What was
    asked may or may not have happened; a session waits it out within its outage budget."""


class StrategyError(RustyBTError):
    """A user strategy failed to load or raised while running."""


class StrategyCodeError(StrategyError):
    """An exception raised by strategy code, its message naming the strategy's file and line."""


ZiplineError = RustyBTError
"""zipline's base class of its errors: ``except zipline.errors.ZiplineError`` catches every
error RustyBT raises on purpose."""


# zipline's names for the strategy errors it shares with RustyBT, so that a strategy's
# ``except zipline.errors.X`` (``rustybt.errors`` once imports are renamed) catches ours.


class SymbolNotFound(StrategyError):
    """``symbol()`` named a ticker the run's data source does not have."""


class SidsNotFound(StrategyError):
    """``sid()`` named a number that is not an asset of the run's data source."""


class UnsupportedOrderParameters(StrategyError):
    """An order was given both ``style=`` and ``limit_price``/``stop_price``."""


class SetCommissionPostInit(StrategyError):
    """``set_commission`` was called after ``initialize``."""


class SetSlippagePostInit(StrategyError):
    """``set_slippage`` was called after ``initialize``."""


class SetCancelPolicyPostInit(StrategyError):
    """``set_cancel_policy`` was called after ``initialize``."""


class SetBenchmarkOutsideInitialize(StrategyError):
    """``set_benchmark`` was called after ``initialize``."""


class UnsupportedCommissionModel(StrategyError):
    """``set_commission`` was given something that is not a commission model."""


class UnsupportedSlippageModel(StrategyError):
    """``set_slippage`` was given something that is not a slippage model."""


class IncompatibleHistoryFrequency(StrategyError):
    """``data.history`` asked for bars at another frequency than the run's."""


class HistoryWindowStartsBeforeData(StrategyError):
    """``data.history`` asked for a window that starts before the first session with data."""


class TradingControlViolation(StrategyError):
    """An order broke a trading control set with ``set_max_order_size`` and friends."""


class AttachPipelineAfterInitialize(StrategyError):
    """``attach_pipeline`` was called after ``initialize`` (zipline's name)."""


class PipelineOutputDuringInitialize(StrategyError):
    """``pipeline_output`` was called in ``initialize``, before any output exists."""


class DuplicatePipelineName(StrategyError):
    """``attach_pipeline`` was given a name another attached pipeline has."""


class NoSuchPipeline(StrategyError, KeyError):
    """``pipeline_output`` named no attached pipeline (a KeyError too, as in zipline)."""

    __str__ = StrategyError.__str__  # KeyError's would quote the message
