"""The ``yfinance`` data source: Yahoo Finance bars through the yfinance library.

Prices: with ``adjusted=True`` (the default, source ``yfinance``) open, high, low and close
are adjusted for splits and dividends (yfinance's ``auto_adjust``: each bar scaled by
Yahoo's adjusted close over its close), which is what a backtest of total returns wants.
With ``adjusted=False`` (source ``yfinance-raw``) they are the raw traded prices. The two are
separate sources, so the bar store never mixes them. Volume is never adjusted.

Timestamps: a daily bar is stamped with its session date at 00:00 UTC; an intraday bar with
the UTC time its interval opens. Yahoo keeps intraday history only for a while (1m: 30
days, 5m/15m: 60 days, 1h: 730 days); asking for older bars is a :class:`DataError` that
says so before any request is sent.

Failures: yfinance is told to raise instead of hiding errors. HTTP 429 and network errors
(timeouts included) are retried with exponential backoff and jitter, a bounded number of
times (:class:`RequestPolicy`); an unknown ticker, malformed data, or retries used up
are a :class:`DataError` naming the symbol and the reason. A range without bars is a
:class:`NoBarsError`, never an empty frame.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd
from rustybt.data.schema import FREQUENCIES, empty_bars, to_utc_timestamp
from rustybt.data.source import NoBarsError, SourceCapabilities
from rustybt.data.store import data_root
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError

from rustybt_yfinance.request_policy import Pacer, RequestPolicy, call_with_retries

YAHOO_HISTORY: dict[str, pd.Timedelta | None] = {
    "1m": pd.Timedelta(days=30),
    "5m": pd.Timedelta(days=60),
    "15m": pd.Timedelta(days=60),
    "1h": pd.Timedelta(days=730),
    "1d": None,
}
"""How far back Yahoo serves bars of each frequency."""

_ONE_MINUTE_WINDOW = pd.Timedelta(days=7)  # Yahoo answers at most 8 days of 1m bars at once
_LATEST_WINDOW = {"1d": pd.Timedelta(days=10)}
_INTRADAY_LATEST_WINDOW = pd.Timedelta(days=5)


class YFinanceSource:
    """Bars from Yahoo Finance (equities, ETFs, indices, FX and crypto pairs as Yahoo names
    them: ``AAPL``, ``^GSPC``, ``EURUSD=X``, ``BTC-USD``)."""

    capabilities = SourceCapabilities(
        asset_classes=("equity", "etf", "index", "fx", "crypto"),
        frequencies=tuple(YAHOO_HISTORY),
        max_history=YAHOO_HISTORY,
        network=True,
    )

    def __init__(self, *, adjusted: bool = True, policy: RequestPolicy | None = None) -> None:
        self.adjusted = adjusted
        self.name = "yfinance" if adjusted else "yfinance-raw"
        self.policy = policy if policy is not None else RequestPolicy()
        self._pacer = Pacer(self.policy.min_interval)
        self._session: Any = None

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Bars of ``symbols`` from ``start`` to ``end`` inclusive (UTC), validated, sorted by
        symbol then time. See the module docstring for prices, timestamps and errors."""
        start, end = to_utc_timestamp(start), to_utc_timestamp(end)
        self._check_request(start, end, frequency)
        frames = [self._symbol_bars(s, start, end, frequency) for s in sorted(set(symbols))]
        bars = pd.concat(frames, ignore_index=True)
        return validate_bars(bars, lambda i: f"{self.name} bar {i + 1} ({bars['symbol'].iat[i]})")

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The most recent complete bar (its interval has ended) of each symbol."""
        now = pd.Timestamp.now(tz="UTC")
        window = _LATEST_WINDOW.get(frequency, _INTRADAY_LATEST_WINDOW)
        bars = self.fetch_bars(symbols, now - window, now, frequency)
        complete = bars[bars["timestamp"] + FREQUENCIES[frequency] <= now]
        latest = complete.groupby("symbol", sort=True).tail(1).reset_index(drop=True)
        missing = sorted(set(symbols) - set(latest["symbol"]))
        if missing:
            raise NoBarsError(f"Yahoo Finance has no complete {frequency} bar of {missing[0]} yet")
        return latest

    def _check_request(self, start: pd.Timestamp, end: pd.Timestamp, frequency: str) -> None:
        if frequency not in YAHOO_HISTORY:
            raise DataError(
                f"source '{self.name}' has no {frequency} bars (has: {', '.join(YAHOO_HISTORY)})"
            )
        if end < start:
            raise DataError(f"end {end} is before start {start}")
        limit = YAHOO_HISTORY[frequency]
        oldest = pd.Timestamp.now(tz="UTC") - limit if limit is not None else None
        if oldest is not None and start < oldest:
            raise DataError(
                f"Yahoo Finance keeps {frequency} bars for the last {limit.days} days only; "
                f"start {start.date()} is older (use a start after {oldest.date()} or 1d bars)"
            )

    def _symbol_bars(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        frames = []
        for first, last in _windows(start, end, frequency):
            try:
                frames.append(self._history(symbol, first, last, frequency))
            except NoBarsError:  # one window over a weekend; the whole range is judged below
                continue
        bars = pd.concat(frames) if frames else empty_bars()
        bars = bars.drop_duplicates("timestamp").sort_values("timestamp")
        bars = bars[(bars["timestamp"] >= start) & (bars["timestamp"] <= end)]
        if bars.empty:
            raise NoBarsError(
                f"Yahoo Finance has no {frequency} bars of {symbol} between "
                f"{start.isoformat()} and {end.isoformat()}"
            )
        return bars.reset_index(drop=True)

    def _history(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Yahoo's bars of ``symbol`` around ``[start, end]`` in the canonical columns."""
        import yfinance

        session = self._yahoo_session()
        if frequency == "1d":  # Yahoo stamps a day in the exchange's zone: pad by a day
            day = pd.Timedelta(days=1)
            first, after = start.ceil("D") - day, end.floor("D") + 2 * day
        else:
            first, after = start, end + FREQUENCIES[frequency]

        def ask() -> pd.DataFrame:
            with warnings.catch_warnings():  # yfinance's pandas deprecations are not ours to fix
                warnings.filterwarnings("ignore", module=r"yfinance\.")
                return yfinance.Ticker(symbol, session=session).history(
                    start=int(first.timestamp()),
                    end=int(after.timestamp()),
                    interval=frequency,
                    auto_adjust=self.adjusted,
                    actions=False,
                    timeout=self.policy.timeout,
                )

        try:
            raw = call_with_retries(ask, self.policy, self._pacer, retryable=_is_transient)
        except Exception as exc:
            error = _data_error(symbol, exc, self.policy)
            if error is None:
                raise
            raise error from exc
        return _canonical(raw, symbol, daily=frequency == "1d")

    def _yahoo_session(self) -> Any:
        if self._session is None:
            from rustybt_yfinance.session import YahooSession, base_url_from_environment
            from rustybt_yfinance.yfinance_state import prepare_yfinance

            base_url = base_url_from_environment()
            prepare_yfinance(data_root() / "yfinance")
            self._session = YahooSession(timeout=self.policy.timeout, base_url=base_url)
        return self._session


def _windows(
    start: pd.Timestamp, end: pd.Timestamp, frequency: str
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``[start, end]`` cut into pieces Yahoo answers in one request."""
    if frequency != "1m":
        return [(start, end)]
    pieces = []
    while start <= end:
        pieces.append((start, min(end, start + _ONE_MINUTE_WINDOW)))
        start = start + _ONE_MINUTE_WINDOW + pd.Timedelta(1, "ns")
    return pieces


def _canonical(raw: pd.DataFrame, symbol: str, *, daily: bool) -> pd.DataFrame:
    index = pd.DatetimeIndex(raw.index)
    if daily:  # midnight in the exchange's zone: keep the date, stamp it 00:00 UTC
        stamps = index.tz_localize(None).normalize().tz_localize("UTC")
    else:
        stamps = index.tz_convert("UTC")
    return pd.DataFrame(
        {
            "timestamp": stamps.astype("datetime64[ns, UTC]"),
            "symbol": symbol,
            "open": raw["Open"].to_numpy(dtype="float64"),
            "high": raw["High"].to_numpy(dtype="float64"),
            "low": raw["Low"].to_numpy(dtype="float64"),
            "close": raw["Close"].to_numpy(dtype="float64"),
            "volume": raw["Volume"].to_numpy(dtype="float64"),
        }
    )


def _is_transient(exc: Exception) -> bool:
    """True for failures worth retrying: rate limits, timeouts, network and 5xx errors."""
    from curl_cffi.requests.exceptions import HTTPError
    from yfinance.exceptions import YFRateLimitError

    if isinstance(exc, HTTPError):
        status = _http_status(exc)
        return status == 429 or status >= 500
    return isinstance(exc, YFRateLimitError | OSError)


def _http_status(exc: Exception) -> int:
    """The HTTP status of the response that caused ``exc`` (0 when there was none)."""
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) or 0


def _data_error(symbol: str, exc: Exception, policy: RequestPolicy) -> DataError | None:
    """The one-line :class:`DataError` for yfinance's ``exc``, or None for a bug."""
    from curl_cffi.requests.exceptions import Timeout
    from yfinance.exceptions import (
        YFException,
        YFPricesMissingError,
        YFRateLimitError,
        YFTickerMissingError,
    )

    tries = f"{policy.attempts} attempt{'s' if policy.attempts > 1 else ''}"
    unknown = (
        f"unknown symbol '{symbol}' on Yahoo Finance (not found; check the ticker as "
        "Yahoo spells it, e.g. BRK-B, ^GSPC, EURUSD=X)"
    )
    if isinstance(exc, YFRateLimitError):
        return DataError(
            f"Yahoo Finance rate-limited the request for {symbol} (HTTP 429, {tries}); "
            "wait a few minutes and try again"
        )
    if isinstance(exc, YFPricesMissingError):
        if exc.yahoo_reason is None:
            return NoBarsError(f"Yahoo Finance returned no bars for {symbol}")
        return DataError(f"Yahoo Finance has no bars of {symbol}: {_one_line(exc.yahoo_reason)}")
    if isinstance(exc, YFTickerMissingError) or _http_status(exc) == 404:
        return DataError(unknown)
    if isinstance(exc, Timeout):
        return DataError(
            f"Yahoo Finance did not answer the request for {symbol} within "
            f"{policy.timeout:g} s ({tries})"
        )
    if isinstance(exc, OSError):
        return DataError(f"cannot reach Yahoo Finance for {symbol} ({tries}): {_one_line(exc)}")
    if isinstance(exc, json.JSONDecodeError):
        return DataError(f"Yahoo Finance sent malformed data for {symbol}: {exc.msg}")
    if isinstance(exc, YFException):
        return DataError(f"Yahoo Finance failed for {symbol}: {_one_line(exc)}")
    return None


def _one_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
