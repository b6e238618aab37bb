"""The ``yfinance`` data sources: Yahoo Finance bars through the yfinance library.

Prices. Yahoo's "unadjusted" open, high, low, close and volume are not adjusted for
dividends but are adjusted for every split up to the day they are fetched (so are its
dividend amounts): Yahoo's AAPL close of 2020-08-28 is 124.81, though it traded at 499.23
before the 4-for-1 split of 2020-08-31. Two sources, kept apart in the bar store:

* ``yfinance`` (:class:`YFinanceSource`): the prices as traded, with the symbols' splits
  and dividends (``fetch_actions``), as zipline keeps them. Yahoo's split adjustment is
  undone with Yahoo's own split events: prices before a split's ex-date are multiplied by
  its ratio, volumes divided by it, dividend amounts multiplied back to cash per share of
  their date (where a split is undone, prices and dividends are rounded to 4 decimals and
  volumes to whole shares, which removes the rounding noise of Yahoo's adjusted figures).
  Yahoo gives no pay dates, so a dividend is paid on its ex-date. A backtest then applies
  the actions on their dates (``--adjustment raw``, the default) or runs on prices adjusted
  for them (``--adjustment adjusted``: what this source gave before it had actions).
* ``yfinance-raw`` (:class:`YahooUnadjustedSource`): Yahoo's unadjusted columns as Yahoo
  sends them (adjusted for splits, not dividends), without actions.

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

import attrs
import numpy as np
import pandas as pd
from rustybt.data.actions import DIVIDEND, SPLIT, validate_actions
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
_DAY = "day"  # the exchange's date of a bar, while a split adjustment may be undone
_PRICE_DECIMALS = 4
_FRESH = pd.Timedelta(hours=1)  # how long Yahoo's events are trusted to be the latest


class YahooUnadjustedSource:
    """Bars from Yahoo Finance (equities, ETFs, indices, FX and crypto pairs as Yahoo names
    them: ``AAPL``, ``^GSPC``, ``EURUSD=X``, ``BTC-USD``) as Yahoo sends its unadjusted
    columns: adjusted for splits up to the fetch, not for dividends (``yfinance-raw``)."""

    name = "yfinance-raw"

    capabilities = SourceCapabilities(
        asset_classes=("equity", "etf", "index", "fx", "crypto"),
        frequencies=tuple(YAHOO_HISTORY),
        max_history=YAHOO_HISTORY,
        network=True,
    )

    def __init__(self, *, policy: RequestPolicy | None = None) -> None:
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
        frames = [
            self._symbol_bars(s, start, end, frequency).drop(columns=_DAY)
            for s in sorted(set(symbols))
        ]
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
        if limit is None:
            return
        oldest = pd.Timestamp.now(tz="UTC") - limit
        if start < oldest:
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
        bars = pd.concat(frames) if frames else empty_bars().assign(**{_DAY: pd.NaT})
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
        """Yahoo's bars of ``symbol`` around ``[start, end]`` in the canonical columns, with
        the exchange's date of each bar (``day``, 00:00 UTC)."""
        raw = self._ask(symbol, *_padded(start, end, frequency), frequency)
        return _canonical(raw, symbol, daily=frequency == "1d")

    def _ask(
        self, symbol: str, first: pd.Timestamp, after: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """yfinance's history frame of ``symbol`` from ``first`` to before ``after``, with
        the columns ``Dividends`` and ``Stock Splits`` (0 where none)."""
        import yfinance

        session = self._yahoo_session()

        def ask() -> pd.DataFrame:
            with warnings.catch_warnings():  # yfinance's pandas deprecations are not ours to fix
                warnings.filterwarnings("ignore", module=r"yfinance\.")
                return yfinance.Ticker(symbol, session=session).history(
                    start=int(first.timestamp()),
                    end=int(after.timestamp()),
                    interval=frequency,
                    auto_adjust=False,
                    actions=True,
                    timeout=self.policy.timeout,
                )

        try:
            raw = call_with_retries(ask, self.policy, self._pacer, retryable=_is_transient)
        except Exception as exc:
            error = _data_error(symbol, exc, self.policy)
            if error is None:
                raise
            raise error from exc
        return raw

    def _yahoo_session(self) -> Any:
        if self._session is None:
            from rustybt_yfinance.session import YahooSession, base_url_from_environment
            from rustybt_yfinance.yfinance_state import prepare_yfinance

            base_url = base_url_from_environment()
            prepare_yfinance(data_root() / "yfinance")
            self._session = YahooSession(timeout=self.policy.timeout, base_url=base_url)
        return self._session


class YFinanceSource(YahooUnadjustedSource):
    """Bars from Yahoo Finance at the prices they traded at, with the symbols' splits and
    dividends (``yfinance``; see the module docstring).

    The splits that undo Yahoo's adjustment are every split from a bar's date up to now, so
    they come from a daily request reaching today: the bars' own request when it does,
    else one more request per symbol, whose events this object keeps for an hour.
    """

    name = "yfinance"

    def __init__(self, *, policy: RequestPolicy | None = None) -> None:
        super().__init__(policy=policy)
        self._events: dict[str, _KnownEvents] = {}

    def fetch_actions(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp
    ) -> pd.DataFrame:
        """The splits and dividends of ``symbols`` with ex-dates from ``start`` to ``end``
        inclusive (:data:`~rustybt.data.actions.ACTIONS_SCHEMA`): splits as new shares per
        old share, dividends as cash per share held on the ex-date, paid on it."""
        start, end = to_utc_timestamp(start), to_utc_timestamp(end)
        if end < start:
            raise DataError(f"end {end} is before start {start}")
        frames = [
            _actions(symbol, self._events_since(symbol, start), start, end)
            for symbol in sorted(set(symbols))
        ]
        return validate_actions(pd.concat(frames, ignore_index=True), where=f"source {self.name!r}")

    def _symbol_bars(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        bars = super()._symbol_bars(symbol, start, end, frequency)
        return _traded(bars, self._events_since(symbol, start))

    def _history(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        first, after = _padded(start, end, frequency)
        asked_at = pd.Timestamp.now(tz="UTC")
        raw = self._ask(symbol, first, after, frequency)
        if frequency == "1d" and after >= asked_at:  # the answer's events reach today
            self._remember(symbol, first, _yahoo_events(raw), asked_at)
        return _canonical(raw, symbol, daily=frequency == "1d")

    def _events_since(self, symbol: str, since: pd.Timestamp) -> pd.DataFrame:
        """Yahoo's events of ``symbol`` (``day``, ``split`` ratio, ``dividend`` amount as
        Yahoo adjusts it) from the day of ``since`` up to now."""
        now = pd.Timestamp.now(tz="UTC")
        known = self._events.get(symbol)
        if known is None or known.since > since.floor("D") or known.asked_at < now - _FRESH:
            first, after = _padded(since, now, "1d")
            try:
                events = _yahoo_events(self._ask(symbol, first, after, "1d"))
            except NoBarsError:  # no bars since: no events either
                events = _yahoo_events(pd.DataFrame())
            self._remember(symbol, first, events, now)
        return self._events[symbol].events

    def _remember(
        self, symbol: str, since: pd.Timestamp, events: pd.DataFrame, asked_at: pd.Timestamp
    ) -> None:
        known = self._events.get(symbol)
        if known is not None and known.since < since:
            earlier = known.events[known.events["day"] < since]
            since, events = known.since, pd.concat([earlier, events], ignore_index=True)
        self._events[symbol] = _KnownEvents(since=since, asked_at=asked_at, events=events)


@attrs.frozen(kw_only=True)
class _KnownEvents:
    """A symbol's Yahoo events from ``since`` up to ``asked_at``, when they were asked for."""

    since: pd.Timestamp
    asked_at: pd.Timestamp
    events: pd.DataFrame


def _padded(
    start: pd.Timestamp, end: pd.Timestamp, frequency: str
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first time to ask Yahoo for and the time before which it stops, for bars of
    ``[start, end]``."""
    if frequency == "1d":  # Yahoo stamps a day in the exchange's zone: pad by a day
        day = pd.Timedelta(days=1)
        return start.ceil("D") - day, end.floor("D") + 2 * day
    return start, end + FREQUENCIES[frequency]


def _yahoo_events(raw: pd.DataFrame) -> pd.DataFrame:
    """The splits and dividends in a daily history frame of yfinance: ``day`` (00:00 UTC),
    ``split`` (new shares per old share, 0 for none) and ``dividend`` (0 for none)."""
    if raw.empty:
        return pd.DataFrame({"day": pd.DatetimeIndex([], tz="UTC"), "split": [], "dividend": []})
    splits = raw.get("Stock Splits", pd.Series(0.0, index=raw.index)).fillna(0.0)
    dividends = raw.get("Dividends", pd.Series(0.0, index=raw.index)).fillna(0.0)
    events = (splits != 0) | (dividends != 0)
    days = pd.DatetimeIndex(raw.index[events]).tz_localize(None).normalize().tz_localize("UTC")
    return pd.DataFrame(
        {
            "day": days,
            "split": splits[events].to_numpy(dtype="float64"),
            "dividend": dividends[events].to_numpy(dtype="float64"),
        }
    )


def _later_splits(days: pd.Series, events: pd.DataFrame) -> np.ndarray:
    """Per date of ``days``: the product of the split ratios in ``events`` after it, which
    Yahoo divided that date's prices and dividends by."""
    factors = np.ones(len(days))
    for day, ratio in zip(events["day"], events["split"], strict=True):
        if ratio:
            factors[(days < day).to_numpy()] *= ratio
    return factors


def _traded(bars: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Yahoo's split-adjusted ``bars`` (with their ``day``) as traded: prices before a
    split multiplied by its ratio, volumes divided by it."""
    factors = _later_splits(bars[_DAY], events)
    undone = factors != 1.0
    if not undone.any():
        return bars
    traded = bars.copy()
    for field in ("open", "high", "low", "close"):
        values = traded[field].to_numpy(dtype="float64", copy=True)
        values[undone] = np.round(values[undone] * factors[undone], _PRICE_DECIMALS)
        traded[field] = values
    volumes = traded["volume"].to_numpy(dtype="float64", copy=True)
    volumes[undone] = np.round(volumes[undone] / factors[undone])
    traded["volume"] = volumes
    return traded


def _actions(
    symbol: str, events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The actions in ``events`` from ``start`` to ``end``, dividends per share of their date."""
    inside = events[(events["day"] >= start) & (events["day"] <= end)]
    factors = _later_splits(inside["day"], events)
    splits = inside["split"] != 0
    dividends = inside["dividend"] != 0
    amounts = inside["dividend"].to_numpy(dtype="float64")
    undone = factors != 1.0
    amounts = np.where(undone, np.round(amounts * factors, _PRICE_DECIMALS), amounts)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "ex_date": inside["day"][splits],
                    "kind": SPLIT,
                    "value": inside["split"][splits],
                }
            ),
            pd.DataFrame(
                {
                    "symbol": symbol,
                    "ex_date": inside["day"][dividends],
                    "kind": DIVIDEND,
                    "value": amounts[dividends.to_numpy()],
                }
            ),
        ],
        ignore_index=True,
    )


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
    raw = raw[raw["Close"].notna()]  # rows yfinance adds for events without a bar
    index = pd.DatetimeIndex(raw.index)
    days = index.tz_localize(None).normalize().tz_localize("UTC")
    # A daily bar is stamped midnight in the exchange's zone: keep the date, at 00:00 UTC.
    stamps = days if daily else index.tz_convert("UTC")
    return pd.DataFrame(
        {
            "timestamp": stamps.astype("datetime64[ns, UTC]"),
            "symbol": symbol,
            "open": raw["Open"].to_numpy(dtype="float64"),
            "high": raw["High"].to_numpy(dtype="float64"),
            "low": raw["Low"].to_numpy(dtype="float64"),
            "close": raw["Close"].to_numpy(dtype="float64"),
            "volume": raw["Volume"].to_numpy(dtype="float64"),
            _DAY: days.astype("datetime64[ns, UTC]"),
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
