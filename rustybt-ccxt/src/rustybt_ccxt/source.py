"""The ``ccxt`` data source: OHLCV bars of any ccxt exchange, in the canonical schema.

Bars are fetched with ``fetch_ohlcv`` on ``ccxt.async_support``, page after page over long
ranges (ccxt's rate limiter spaces the requests), on a private event loop per call, and the
client is closed before the call returns. Crypto trades 24/7: timestamps are the UTC open
time of each bar, and only complete bars (closed by now) are returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from rustybt.data.schema import BAR_COLUMNS, FREQUENCIES, empty_bars
from rustybt.data.source import SourceCapabilities
from rustybt.data.validation import validate_bars
from rustybt.errors import DataError

from rustybt_ccxt.client import open_client
from rustybt_ccxt.error_messages import MALFORMED_ANSWER_ERRORS, describe
from rustybt_ccxt.retries import RetriesExhaustedError, RetryPolicy, with_retries

if TYPE_CHECKING:
    from ccxt.async_support.base.exchange import Exchange

PAGE_SIZE = 1000
"""Bars asked for per request (Binance's maximum); exchanges may send fewer."""


class CcxtDataSource:
    """OHLCV bars of the spot markets of one ccxt exchange (``binance`` by default).

    Symbols are ccxt's unified ones (``BTC/USDT``). Network errors are retried per
    ``retry``; anything the exchange refuses is a :class:`DataError`.
    """

    name = "ccxt"
    capabilities = SourceCapabilities(
        asset_classes=("crypto",), frequencies=tuple(FREQUENCIES), network=True
    )

    def __init__(self, exchange: str = "binance", *, retry: RetryPolicy | None = None) -> None:
        self.exchange = exchange
        self.dataset_name = f"ccxt-{exchange}"
        self.retry = retry or RetryPolicy()

    def fetch_bars(
        self, symbols: Sequence[str], start: pd.Timestamp, end: pd.Timestamp, frequency: str
    ) -> pd.DataFrame:
        """Complete bars of ``symbols`` opening from ``start`` to ``end`` inclusive (UTC).

        Sorted by symbol then time, validated. Raises :class:`DataError` for an unknown
        symbol or frequency, ``end`` before ``start``, an exchange error, or no bars.
        """
        step = self._step(frequency)
        if end < start:
            raise DataError(f"end {end} is before start {start}")
        return asyncio.run(self._fetch(list(symbols), start, end, frequency, step))

    def latest_bars(self, symbols: Sequence[str], frequency: str) -> pd.DataFrame:
        """The most recent complete bar of each of ``symbols``, one row each."""
        step = self._step(frequency)
        return asyncio.run(self._latest(list(symbols), frequency, step))

    def _step(self, frequency: str) -> pd.Timedelta:
        if frequency not in FREQUENCIES:
            raise DataError(
                f"source 'ccxt' has no frequency '{frequency}' (has: {', '.join(FREQUENCIES)})"
            )
        return FREQUENCIES[frequency]

    async def _fetch(
        self,
        symbols: list[str],
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
        step: pd.Timedelta,
    ) -> pd.DataFrame:
        async with open_client(self.exchange) as client:
            await self._check_symbols(client, symbols)
            ohlcv = {
                symbol: await self._history(client, symbol, start, end, frequency, step)
                for symbol in symbols
            }
        return self.bars_from_ohlcv(ohlcv, frequency, start, end)

    def bars_from_ohlcv(
        self,
        ohlcv: Mapping[str, list[list[Any]]],
        frequency: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
    ) -> pd.DataFrame:
        """The bars :meth:`fetch_bars` returns, from ccxt's OHLCV rows by symbol (each row
        ``[open time in ms, open, high, low, close, volume]``, as ``fetch_ohlcv`` gives them).

        Keeps the complete bars opening from ``start`` to ``end``; sorted by symbol then time,
        duplicates dropped, validated. No bars left is a :class:`DataError`.
        """
        frames = [_to_frame(symbol, rows) for symbol, rows in ohlcv.items()]
        return self._finish(frames, self._step(frequency), start=start, end=end)

    async def _latest(self, symbols: list[str], frequency: str, step: pd.Timedelta) -> pd.DataFrame:
        async with open_client(self.exchange) as client:
            await self._check_symbols(client, symbols)
            frames = []
            for symbol in symbols:
                rows = await self._call(
                    lambda s=symbol: client.fetch_ohlcv(s, frequency, limit=3), symbol
                )
                frame = self._complete(_to_frame(symbol, rows), step)
                frames.append(frame.tail(1))
        return self._finish(frames, step)

    async def _check_symbols(self, client: Exchange, symbols: list[str]) -> None:
        await self._call(client.load_markets, "markets")
        for symbol in symbols:
            if symbol not in client.markets:
                raise DataError(
                    f"unknown symbol '{symbol}' on {self.exchange} "
                    "(ccxt symbols look like BTC/USDT)"
                )

    async def _history(
        self,
        client: Exchange,
        symbol: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        frequency: str,
        step: pd.Timedelta,
    ) -> list[list[Any]]:
        since, until = _ms(start), _ms(end)
        step_ms = int(step / pd.Timedelta(milliseconds=1))
        pages: list[list[Any]] = []
        while since <= until:
            rows = await self._call(
                lambda s=since: client.fetch_ohlcv(
                    symbol, frequency, since=s, limit=PAGE_SIZE, params={"until": until}
                ),
                symbol,
            )
            if not rows and client.last_json_response is None and client.last_http_response:
                # ccxt turns a body that is not JSON into "no bars"; say what happened.
                raise DataError(f"{self.exchange} sent a malformed answer for {symbol}")
            if not rows or rows[-1][0] < since:
                break
            pages.extend(rows)
            since = rows[-1][0] + step_ms
        return pages

    async def _call(self, operation: Any, what: str) -> Any:
        import ccxt

        try:
            return await with_retries(operation, self.retry, what=f"{self.exchange} {what}")
        except RetriesExhaustedError as exc:
            failure = (
                "sent malformed answers"
                if isinstance(exc.last, MALFORMED_ANSWER_ERRORS)
                else "unreachable"
            )
            raise DataError(
                f"{self.exchange} {failure} for {what} after {exc.attempts} attempts "
                f"({describe(exc.last)})"
            ) from None
        except ccxt.BaseError as exc:
            raise DataError(f"{self.exchange} refused {what}: {describe(exc)}") from None
        except MALFORMED_ANSWER_ERRORS as exc:
            raise DataError(
                f"{self.exchange} sent a malformed answer for {what} ({describe(exc)})"
            ) from None

    def _complete(self, frame: pd.DataFrame, step: pd.Timedelta) -> pd.DataFrame:
        """Only bars that have closed: a bar still forming would change under the user."""
        return frame[frame["timestamp"] + step <= pd.Timestamp.now(tz="UTC")]

    def _finish(
        self,
        frames: list[pd.DataFrame],
        step: pd.Timedelta,
        *,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
    ) -> pd.DataFrame:
        bars = pd.concat([empty_bars(), *frames], ignore_index=True)
        bars = self._complete(bars, step)
        if start is not None and end is not None:
            bars = bars[(bars["timestamp"] >= start) & (bars["timestamp"] <= end)]
        bars = bars.drop_duplicates(["symbol", "timestamp"], keep="last")
        bars = bars.sort_values(["symbol", "timestamp"], ignore_index=True)
        if bars.empty:
            raise DataError(f"{self.exchange} returned no complete bars for the requested range")
        return validate_bars(bars, lambda i: f"source 'ccxt' ({self.exchange}), bar {i + 1}")


def _ms(stamp: pd.Timestamp) -> int:
    return int(stamp.value // 1_000_000)


def _to_frame(symbol: str, rows: list[list[Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [row[:6] for row in rows], columns=["ms", "open", "high", "low", "close", "volume"]
    )
    frame["timestamp"] = pd.to_datetime(frame["ms"].astype("int64"), unit="ms", utc=True).astype(
        "datetime64[ns, UTC]"
    )
    frame["symbol"] = symbol
    return frame.loc[:, list(BAR_COLUMNS)].astype(
        {column: "float64" for column in ("open", "high", "low", "close", "volume")}
    )
