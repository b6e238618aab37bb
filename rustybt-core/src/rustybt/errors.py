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
