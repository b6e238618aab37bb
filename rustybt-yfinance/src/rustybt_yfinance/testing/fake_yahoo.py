"""A loopback stand-in for Yahoo Finance that speaks the wire format yfinance really uses.

The server answers requests sent through the endpoint override
(``RUSTYBT_YFINANCE_BASE_URL``): ``https://<host>/<path>?<query>`` arrives as
``http://127.0.0.1:PORT/<host>/<path>?<query>``. It serves

* ``GET fc.yahoo.com/``: 404 with the ``A3`` session cookie, as Yahoo does;
* ``GET query1|query2.finance.yahoo.com/v1/test/getcrumb``: the crumb, as plain text;
* ``GET query1|query2.finance.yahoo.com/v8/finance/chart/SYMBOL``: chart JSON with the meta
  keys yfinance reads, generated bars (below), and Yahoo's ``Not Found`` error payload for
  a symbol the server was not told about;
* anything else: Yahoo's generic 404 JSON error.

Bars exist for the symbols given to the server, on every weekday, at 09:30-16:00 New York
time (daily bars stamped 09:30, as Yahoo stamps them). Prices are a pure function of symbol
and time, so any two requests agree on the bars they share. The adjusted close is 98 % of
the raw close, so adjusted and raw prices are told apart.

Corporate actions (``actions=`` of :func:`serve_fake_yahoo`: :class:`Split` and
:class:`Dividend` by symbol) are sent as Yahoo sends them, in the chart's ``events`` (the
dates in the requested range, stamped 09:30 New York time), with Yahoo's quirk: every price,
volume and dividend before a split is adjusted for it. So the generated prices are what Yahoo
serves (continuous across a split; the traded price before a 4-for-1 split was 4 times
higher), while volumes and dividend amounts are given as traded and served adjusted (a
volume before a 4-for-1 split is served 4 times larger, a dividend 4 times smaller).

Faults for chart requests are injected with :meth:`FakeYahoo.fail_next`: HTTP 429, a
response that hangs, or malformed JSON. Every request is logged in :attr:`FakeYahoo.requests`.
"""

from __future__ import annotations

import enum
import json
import math
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo

import attrs

NEW_YORK = ZoneInfo("America/New_York")
CRUMB = "fAkEcRuMb0x"
INTERVAL_SECONDS = {"1m": 60, "2m": 120, "5m": 300, "15m": 900, "30m": 1800, "60m": 3600}
INTERVAL_SECONDS["1h"] = 3600
RANGE_DAYS = {"1d": 1, "5d": 5, "1mo": 31, "3mo": 92, "6mo": 183, "1y": 366, "2y": 731}
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]


class Fault(enum.Enum):
    """A failure the server can give chart requests."""

    RATE_LIMIT = "rate_limit"  # HTTP 429 "Too Many Requests"
    HANG = "hang"  # no answer for ``hang_seconds`` (or until the server stops)
    MALFORMED = "malformed"  # HTTP 200 with truncated JSON


@attrs.frozen
class Split:
    """A stock split effective on ``day`` (its ex-date): ``numerator`` new shares for every
    ``denominator`` old ones (4, 1: a 4-for-1 split)."""

    day: date
    numerator: int
    denominator: int = 1

    @property
    def ratio(self) -> float:
        """New shares per old share."""
        return self.numerator / self.denominator


@attrs.frozen
class Dividend:
    """A cash dividend of ``amount`` per share held on ``day`` (its ex-date), as paid."""

    day: date
    amount: float


Action = Split | Dividend


@attrs.frozen(kw_only=True)
class LoggedRequest:
    """One request the server received: the Yahoo host and path it was meant for."""

    method: str
    host: str
    path: str
    query: dict[str, str]
    status: int  # 0: the server hung and never answered

    @property
    def is_chart(self) -> bool:
        """True for a chart (price history) request."""
        return self.path.startswith("/v8/finance/chart/")

    @property
    def symbol(self) -> str | None:
        """The symbol of a chart request."""
        return unquote(self.path.rsplit("/", 1)[-1]) if self.is_chart else None


class FakeYahoo:
    """The fake server's state: its symbols, injected faults and request log.

    Start it with :func:`serve_fake_yahoo`.
    """

    def __init__(
        self,
        symbols: Iterable[str],
        *,
        hang_seconds: float = 30.0,
        actions: Mapping[str, Sequence[Action]] | None = None,
    ) -> None:
        self.symbols = frozenset(symbols)
        self.actions = {s: tuple(a) for s, a in (actions or {}).items()}
        self.hang_seconds = hang_seconds
        self.requests: list[LoggedRequest] = []
        self.base_url = ""
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()

    def fail_next(self, fault: Fault, times: int = 1) -> None:
        """Give the next ``times`` chart requests ``fault`` (after any already queued)."""
        with self._lock:
            self._faults.extend([fault] * times)

    def chart_requests(self, symbol: str | None = None) -> list[LoggedRequest]:
        """The chart requests received so far (of ``symbol`` only, when given)."""
        with self._lock:
            charts = [r for r in self.requests if r.is_chart]
        return [r for r in charts if symbol is None or r.symbol == symbol]

    def clear_log(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self.requests.clear()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)


@contextmanager
def serve_fake_yahoo(
    symbols: Iterable[str],
    *,
    hang_seconds: float = 30.0,
    actions: Mapping[str, Sequence[Action]] | None = None,
) -> Iterator[FakeYahoo]:
    """Run a :class:`FakeYahoo` on ``127.0.0.1`` (a free port) in a thread while in the block.

    Set ``RUSTYBT_YFINANCE_BASE_URL`` to the yielded server's ``base_url`` to point the
    ``yfinance`` data source at it. Hanging requests end when the block exits. ``actions``
    gives symbols their splits and dividends (see the module docstring).
    """
    fake = FakeYahoo(symbols, hang_seconds=hang_seconds, actions=actions)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-yahoo", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        fake.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def generated_bar(symbol: str, opens_at: int) -> dict[str, float]:
    """The bar of ``symbol`` whose interval opens at ``opens_at`` (Unix seconds).

    Deterministic: a slow wave around a level set by the symbol, with a small intraday
    ripple; ``high``/``low`` enclose ``open`` and ``close``; ``adjclose`` is 98 % of close.
    """
    level = 50.0 + zlib.crc32(symbol.encode()) % 400
    days = opens_at / 86_400
    price = level * (1.0 + 0.25 * math.sin(days / 40.0) + 0.002 * math.sin(opens_at / 1_700.0))
    close = price * (1.0 + 0.01 * math.sin(days * 1.7 + opens_at / 900.0))
    return {
        "open": round(price, 4),
        "high": round(max(price, close) * 1.005, 4),
        "low": round(min(price, close) * 0.995, 4),
        "close": round(close, 4),
        "volume": float(1_000_000 + int(opens_at // 60) % 50_000),
        "adjclose": round(close * 0.98, 4),
    }


def _weekdays(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=1)


def _session_bounds(day: date) -> tuple[int, int]:
    opens = datetime(day.year, day.month, day.day, 9, 30, tzinfo=NEW_YORK)
    closes = datetime(day.year, day.month, day.day, 16, 0, tzinfo=NEW_YORK)
    return int(opens.timestamp()), int(closes.timestamp())


def _bar_times(period1: int, period2: int, interval: str) -> list[int]:
    """Opening times (Unix seconds) of the bars in ``[period1, period2)``."""
    first = datetime.fromtimestamp(period1, UTC).astimezone(NEW_YORK).date()
    last = datetime.fromtimestamp(period2, UTC).astimezone(NEW_YORK).date()
    step = INTERVAL_SECONDS.get(interval)
    times: list[int] = []
    for day in _weekdays(first, last):
        opens, closes = _session_bounds(day)
        stamps = [opens] if step is None else list(range(opens, closes, step))
        times.extend(t for t in stamps if period1 <= t < period2 and t <= time.time())
    return times


def _period(day: date, start: int, end: int) -> dict[str, object]:
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=NEW_YORK)
    offset = int((noon.replace(tzinfo=UTC) - noon).total_seconds())
    return {
        "timezone": "EDT" if offset == -14_400 else "EST",
        "start": start,
        "end": end,
        "gmtoffset": offset,
    }


def later_splits(actions: Sequence[Action], opens_at: int) -> float:
    """New shares per old share of the splits in ``actions`` after the day of the bar
    opening at ``opens_at`` (Unix seconds): what Yahoo divides that bar's prices by."""
    day = datetime.fromtimestamp(opens_at, UTC).astimezone(NEW_YORK).date()
    factor = 1.0
    for action in actions:
        if isinstance(action, Split) and action.day > day:
            factor *= action.ratio
    return factor


def _events(actions: Sequence[Action], period1: int, period2: int) -> dict[str, object]:
    """Yahoo's ``events`` of the chart: dividends (amounts adjusted for later splits, as
    Yahoo rounds them) and splits, keyed by their time, 09:30 New York on their day."""
    dividends: dict[str, object] = {}
    splits: dict[str, object] = {}
    for action in actions:
        stamp = _session_bounds(action.day)[0]
        if not period1 <= stamp < period2:
            continue
        if isinstance(action, Dividend):
            amount = round(action.amount / later_splits(actions, stamp), 6)
            dividends[str(stamp)] = {"amount": amount, "date": stamp}
        else:
            splits[str(stamp)] = {
                "date": stamp,
                "numerator": float(action.numerator),
                "denominator": float(action.denominator),
                "splitRatio": f"{action.numerator}:{action.denominator}",
            }
    events: dict[str, object] = {}
    if dividends:
        events["dividends"] = dividends
    if splits:
        events["splits"] = splits
    return events


def chart_payload(
    symbol: str, query: dict[str, str], actions: Sequence[Action] = ()
) -> dict[str, object]:
    """The chart JSON Yahoo sends for ``symbol`` with the request's query parameters, with
    the symbol's ``actions`` when the request asks for events."""
    interval = query.get("interval", "1d")
    now = int(time.time())
    if "period1" in query:
        period1, period2 = int(query["period1"]), int(query.get("period2", now))
    else:
        period2 = now
        period1 = now - RANGE_DAYS.get(query.get("range", "1mo"), 31) * 86_400
    times = _bar_times(period1, period2, interval)
    bars = [generated_bar(symbol, t) for t in times]
    if actions:
        for opens_at, bar in zip(times, bars, strict=True):
            bar["volume"] *= later_splits(actions, opens_at)
    today = datetime.fromtimestamp(now, UTC).astimezone(NEW_YORK).date()
    opens, closes = _session_bounds(today)
    last_close = bars[-1]["close"] if bars else generated_bar(symbol, opens)["close"]
    meta: dict[str, object] = {
        "currency": "USD",
        "symbol": symbol,
        "exchangeName": "NMS",
        "fullExchangeName": "NasdaqGS",
        "instrumentType": "EQUITY",
        "firstTradeDate": 345_479_400,
        "regularMarketTime": times[-1] if times else now,
        "hasPrePostMarketData": True,
        "gmtoffset": _period(today, 0, 0)["gmtoffset"],
        "timezone": _period(today, 0, 0)["timezone"],
        "exchangeTimezoneName": "America/New_York",
        "regularMarketPrice": last_close,
        "chartPreviousClose": last_close,
        "priceHint": 2,
        "currentTradingPeriod": {
            "pre": _period(today, opens - 19_800, opens),
            "regular": _period(today, opens, closes),
            "post": _period(today, closes, closes + 14_400),
        },
        "dataGranularity": interval,
        "range": query.get("range", ""),
        "validRanges": VALID_RANGES,
    }
    if interval in INTERVAL_SECONDS:
        first = datetime.fromtimestamp(period1, UTC).astimezone(NEW_YORK).date()
        last = datetime.fromtimestamp(period2, UTC).astimezone(NEW_YORK).date()
        meta["tradingPeriods"] = [
            [_period(day, *_session_bounds(day))] for day in _weekdays(first, last)
        ]
    result: dict[str, object] = {"meta": meta}
    events = _events(actions, period1, period2) if "div" in query.get("events", "") else {}
    if events:
        result["events"] = events
    if bars:
        result["timestamp"] = times
        fields = ("open", "high", "low", "close", "volume")
        indicators: dict[str, object] = {"quote": [{f: [b[f] for b in bars] for f in fields}]}
        if interval not in INTERVAL_SECONDS:  # Yahoo sends adjusted closes with daily bars
            indicators["adjclose"] = [{"adjclose": [b["adjclose"] for b in bars]}]
        result["indicators"] = indicators
    else:
        result["indicators"] = {"quote": [{}]}
    return {"chart": {"result": [result], "error": None}}


def _not_found(description: str, key: str = "finance") -> dict[str, object]:
    return {key: {"result": None, "error": {"code": "Not Found", "description": description}}}


def _handler_for(fake: FakeYahoo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            parts = urlsplit(self.path)
            host, _, rest = parts.path.lstrip("/").partition("/")
            path = "/" + rest
            query = dict(parse_qsl(parts.query))
            status, headers, body = self._route(host, path, query)
            fake._log(
                LoggedRequest(method=method, host=host, path=path, query=query, status=status)
            )
            if status == 0:  # a hang: answer nothing until the server stops or time is up
                fake.stopping.wait(fake.hang_seconds)
                self.close_connection = True
                return
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _route(
            self, host: str, path: str, query: dict[str, str]
        ) -> tuple[int, dict[str, str], bytes]:
            if not (host == "yahoo.com" or host.endswith(".yahoo.com")):
                return 400, {"Content-Type": "text/plain"}, f"not a Yahoo host: {host}".encode()
            if host == "fc.yahoo.com":
                cookie = "A3=d=AQABBfake&S=AQAAAfake; Max-Age=31557600; Path=/; HttpOnly"
                return 404, {"Set-Cookie": cookie, "Content-Type": "text/html"}, b"<html></html>"
            if path == "/v1/test/getcrumb":
                return 200, {"Content-Type": "text/plain"}, CRUMB.encode()
            if path.startswith("/v8/finance/chart/"):
                return self._chart(unquote(path.rsplit("/", 1)[-1]), query)
            return _json(404, _not_found("HTTP 404 Not Found"))

        def _chart(self, symbol: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
            fault = fake._next_fault()
            if fault is Fault.RATE_LIMIT:
                return 429, {"Content-Type": "text/plain"}, b"Too Many Requests\r\n"
            if fault is Fault.HANG:
                return 0, {}, b""
            if fault is Fault.MALFORMED:
                return 200, {"Content-Type": "application/json"}, b'{"chart":{"result":[{"meta":'
            if symbol not in fake.symbols:
                payload = _not_found("No data found, symbol may be delisted", key="chart")
                return _json(404, payload)
            return _json(200, chart_payload(symbol, query, fake.actions.get(symbol, ())))

    return Handler


def _json(status: int, payload: object) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()
