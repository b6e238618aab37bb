"""yfinance's process-wide state, set up for RustyBT.

yfinance keeps state for the whole process: a session singleton (``YfData``) holding the
cookie and crumb, an in-memory response cache on it, and on-disk SQLite caches (ticker time
zones, cookies) under the user's cache directory. :func:`prepare_yfinance` makes that state
ours: errors raised instead of hidden, no retries of its own (the source retries), a fresh
singleton, and the disk caches under RustyBT's data directory, so that two data
directories (two test runs) never share a cookie, a crumb or a cached response.
"""

from __future__ import annotations

from pathlib import Path


def prepare_yfinance(cache_dir: Path) -> None:
    """Configure yfinance for RustyBT and drop the state it kept from earlier use.

    ``cache_dir`` receives yfinance's on-disk caches (created if missing). Call before a
    source starts talking to Yahoo; the next request starts a new cookie/crumb handshake.
    """
    import yfinance
    from yfinance import cache, data

    yfinance.config.debug.hide_exceptions = False
    yfinance.config.network.retries = 0
    cache_dir.mkdir(parents=True, exist_ok=True)
    if cache._TzDBManager.get_location() != str(cache_dir):
        cache.set_cache_location(str(cache_dir))
        # The cache objects keep a handle on the old databases: rebuild them on next use.
        cache._TzCacheManager._tz_cache = None
        cache._CookieCacheManager._Cookie_cache = None
        cache._ISINCacheManager._isin_cache = None
    data.SingletonMeta._instances.pop(data.YfData, None)
    data.YfData.cache_get.cache_clear()
