"""Zipline's fetcher: the columns of a CSV file, read by a strategy through ``data.current``.

``fetch_csv(url, ...)`` reads a CSV file (a local path, a ``file://`` URL or an ``http(s)``
URL), parses its dates, and keys each row by an asset (a ``symbol_column`` of tickers) or by
a name of the strategy's choosing (``symbol="VIX"``). Its other columns become fields::

    fetch_csv("https://example.com/signals.csv", symbol_column="ticker")
    data.current(symbol("AAPL"), "signal")      # this ticker's latest signal

    fetch_csv("vix.csv", symbol="VIX")
    data.current("VIX", "close")                # a series about no asset

A row stamped ``t`` is readable once the algorithm's clock has reached ``t``, and stays the
answer until the next row of the same key (forward-filled); before its key's first row a
field is NaN. Rows of one key with the same stamp merge, the last value of each column
winning. For an asset the bar fields (``price``, ``close``, ...) still come from the bars.
"""

from __future__ import annotations

import io
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import StrategyError

FETCH_TIMEOUT_SECONDS = 30.0
"""How long an HTTP server may take to answer, as in zipline."""
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
"""The largest file fetch_csv reads (zipline's limit)."""

log = logging.getLogger(__name__)

Frame = Callable[[pd.DataFrame], pd.DataFrame]


def _shown(url: str) -> str:
    """``url`` without its query string, which may hold an API key."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(query="", fragment=""))


def read_url(url: str, *, timeout: float = FETCH_TIMEOUT_SECONDS) -> bytes:
    """The bytes at ``url``: a local path, a ``file://`` URL, or an ``http(s)`` URL fetched
    with ``timeout`` seconds for the server to answer. At most MAX_DOCUMENT_BYTES are read;
    every failure is a StrategyError naming the URL (without its query string)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return _download(url, timeout)
    if scheme == "file":
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
    elif len(scheme) <= 1:  # a relative or absolute path (a Windows drive letter is one)
        path = Path(url)
    else:
        raise StrategyError(
            f"fetch_csv reads local files and http(s) URLs, not {scheme}: {_shown(url)}"
        )
    try:
        with path.open("rb") as file:
            return _bounded(file.read(MAX_DOCUMENT_BYTES + 1), url)
    except OSError as exc:
        raise StrategyError(f"fetch_csv cannot read {path}: {exc.strerror or exc}") from None


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "rustybt-fetch-csv"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _bounded(response.read(MAX_DOCUMENT_BYTES + 1), url)
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code} {exc.reason}"
    except urllib.error.URLError as exc:
        reason = f"cannot reach the server: {exc.reason}"
    except TimeoutError:
        reason = f"no answer within {timeout:g} s"
    except OSError as exc:
        reason = f"network error: {exc.strerror or exc}"
    raise StrategyError(f"fetch_csv cannot fetch {_shown(url)}: {reason}")


def _bounded(body: bytes, url: str) -> bytes:
    if len(body) > MAX_DOCUMENT_BYTES:
        raise StrategyError(
            f"fetch_csv: {_shown(url)} is larger than {MAX_DOCUMENT_BYTES // 2**20} MB"
        )
    return body


@attrs.frozen(kw_only=True)
class CsvLayout:
    """How to read a fetched CSV: zipline's ``fetch_csv`` arguments past the URL."""

    pre_func: Frame | None = None
    post_func: Frame | None = None
    date_column: str = "date"
    date_format: str | None = None
    timezone: str = "UTC"
    symbol: str | None = None
    mask: bool = True
    symbol_column: str | None = None
    read_csv: Mapping[str, Any] = attrs.Factory(dict)
    """Keyword arguments for :func:`pandas.read_csv`."""


def parse_csv(
    body: bytes, layout: CsvLayout, lookup: Callable[[str], Asset | None], url: str
) -> pd.DataFrame:
    """The rows of the CSV ``body`` as zipline's fetcher makes them: indexed by their UTC
    time (``dt``, sorted), with a ``sid`` column keying each row (``layout.symbol``, or the
    asset ``lookup`` finds for the upper-cased ticker of the symbol column), the date and
    symbol columns dropped. Rows with an unreadable date are dropped; so are rows whose
    ticker ``lookup`` does not know, unless ``layout.mask`` is False (they keep the ticker).
    ``pre_func`` sees the frame as read, ``post_func`` the result."""
    # As zipline: no ticker is read as NaN ("NA" is a ticker), unless told otherwise.
    options = {"keep_default_na": False, "na_values": {"symbol": []}, **layout.read_csv}
    try:
        frame = pd.read_csv(io.BytesIO(body), **options)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise StrategyError(f"fetch_csv cannot read {_shown(url)} as CSV: {exc}") from None
    if layout.pre_func is not None:
        frame = layout.pre_func(frame)
    frame = frame.copy()
    symbol_column = layout.symbol_column or "symbol"
    needed = [layout.date_column] + ([] if layout.symbol is not None else [symbol_column])
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise StrategyError(
            f"fetch_csv: {_shown(url)} has no column {missing[0]!r} (it has "
            f"{', '.join(map(str, frame.columns))}); name it with date_column=, "
            "symbol_column=, or give symbol= for a series that is about no asset"
        )
    frame["dt"] = _parse_dates(frame[layout.date_column], layout.date_format, layout.timezone)
    frame = frame[frame["dt"].notna()]
    if layout.symbol is not None:
        frame["sid"] = layout.symbol
    else:
        frame = _key_by_asset(frame, symbol_column, lookup, layout.mask, url)
    dropped = [layout.date_column] + ([] if layout.symbol is not None else [symbol_column])
    frame = frame.drop(columns=dropped).set_index("dt").sort_index(kind="stable")
    if layout.post_func is not None:
        frame = layout.post_func(frame)
        if not isinstance(frame.index, pd.DatetimeIndex) or "sid" not in frame.columns:
            raise StrategyError(
                "fetch_csv: post_func must return the frame it was given, indexed by time "
                "with its sid column"
            )
    return frame


def _parse_dates(values: pd.Series, date_format: str | None, timezone: str) -> pd.Series:
    """``values`` as UTC timestamps: stamps with an offset keep it, others are read in
    ``timezone``; what cannot be read is NaT. Without ``date_format`` each value is read
    on its own, so dates with and without a time mix."""
    date_format = date_format or "mixed"
    if timezone.upper() == "UTC":
        return pd.to_datetime(values, format=date_format, utc=True, errors="coerce")
    parsed = pd.to_datetime(values, format=date_format, errors="coerce")
    return parsed.dt.tz_localize(timezone).dt.tz_convert("UTC")


def _key_by_asset(
    frame: pd.DataFrame,
    symbol_column: str,
    lookup: Callable[[str], Asset | None],
    mask: bool,
    url: str,
) -> pd.DataFrame:
    assets: dict[Any, Hashable] = {}
    for ticker in frame[symbol_column].unique():
        asset = lookup(ticker.upper()) if isinstance(ticker, str) else None
        if asset is not None:
            assets[ticker] = asset
        elif not mask:
            assets[ticker] = ticker
    keyed = frame.assign(sid=frame[symbol_column].map(assets))
    unknown = int(keyed["sid"].isna().sum())
    if unknown:
        log.warning(
            "fetch_csv dropped %d rows of %s: their symbol is unknown", unknown, _shown(url)
        )
    return keyed[keyed["sid"].notna()]


@attrs.frozen(eq=False)
class _Series:
    """One key's values of one column: ``values[i]`` from ``times[i]`` (UTC ns) on."""

    times: np.ndarray
    values: np.ndarray


class FetchedColumns:
    """Every column fetched with fetch_csv, by column and key (an asset or a name)."""

    def __init__(self) -> None:
        self._columns: dict[str, dict[Hashable, _Series]] = {}

    def add(self, frame: pd.DataFrame) -> None:
        """Take the rows of ``frame`` (as :func:`parse_csv` makes it); a column fetched
        again for the same key replaces the earlier one. A column without rows is still
        known (every key reads NaN)."""
        for column in frame.columns.drop("sid"):
            self._columns.setdefault(str(column), {})
        for key, rows in frame.groupby("sid", sort=False):
            merged = rows.drop(columns="sid").groupby(level=0).last()
            times = pd.DatetimeIndex(merged.index).as_unit("ns").asi8
            for column in merged.columns:
                series = _Series(times=times, values=merged[column].to_numpy())
                self._columns.setdefault(str(column), {})[key] = series

    @property
    def columns(self) -> list[str]:
        """The fetched columns, in the order they were first fetched."""
        return list(self._columns)

    def has(self, column: str) -> bool:
        """Whether any fetched CSV had ``column``."""
        return column in self._columns

    def value(self, key: Hashable, column: str, now_ns: int) -> Any:
        """``key``'s value of ``column`` as of ``now_ns`` (UTC ns): that of its latest row
        stamped at or before then, NaN when it has none."""
        series = self._columns.get(column, {}).get(key)
        if series is None:
            return np.nan
        position = int(np.searchsorted(series.times, now_ns, side="right")) - 1
        return series.values[position] if position >= 0 else np.nan
