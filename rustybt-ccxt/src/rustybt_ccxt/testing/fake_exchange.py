"""A loopback fake of Binance's spot REST API, for tests and offline demos.

It speaks the real wire format (``/api/v3/exchangeInfo``, ``klines``, ``ticker/24hr``,
``ticker/price``, ``account``, ``order`` POST/GET/DELETE, ``openOrders``, ``myTrades``, ``time``,
``ping``), so real ccxt code runs over real HTTP against it. Orders are matched in memory
against a settable last price; balances move with fills. Faults can be injected per
endpoint (HTTP 429, 5xx, timeouts before or after the order is accepted, malformed JSON),
and every request is logged for assertions. It listens on 127.0.0.1 only.

Point RustyBT at it with ``RUSTYBT_CCXT_BASE_URL=<fake.base_url>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import math
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import attrs

FaultKind = Literal["429", "500", "503", "timeout", "accepted-timeout", "malformed"]
"""An injected failure: an HTTP status, a reply that never comes in time (``timeout``:
before the request is handled; ``accepted-timeout``: after it is), or a body that is not
JSON (``malformed``)."""

INTERVALS_MS: Mapping[str, int] = {
    "1m": 60_000,
    "5m": 300_000,
    "15m": 900_000,
    "1h": 3_600_000,
    "1d": 86_400_000,
}

DEFAULT_PRICES: Mapping[str, Decimal] = {
    "BTCUSDT": Decimal("50000.00"),
    "ETHUSDT": Decimal("3000.00"),
}
DEFAULT_BALANCES: Mapping[str, Decimal] = {
    "USDT": Decimal("10000"),
    "BTC": Decimal("0.5"),
    "ETH": Decimal("2"),
}


_FAULT_BODIES: Mapping[int, str] = {
    429: json.dumps(
        {"code": -1003, "msg": "Too many requests; current limit is 6000 weight per 1 MINUTE."}
    ),
    500: "Internal Server Error",
    503: "Service Unavailable",
}
"""Binance answers a rate limit in JSON; a failing gateway with a bare text page."""


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request the fake received, and the HTTP status it answered (None: no answer)."""

    method: str
    path: str
    params: Mapping[str, str]
    headers: Mapping[str, str]
    status: int | None


@attrs.define(kw_only=True)
class FakeOrder:
    """An order held by the fake, in Binance's terms (``side`` BUY/SELL, ``status`` NEW...)."""

    order_id: int
    client_order_id: str
    symbol: str
    side: str
    type: str
    quantity: Decimal
    price: Decimal
    executed: Decimal = Decimal(0)
    quote_executed: Decimal = Decimal(0)
    status: str = "NEW"
    time_ms: int = 0

    def to_wire(self) -> dict[str, Any]:
        """The order as ``GET /api/v3/order`` returns it."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "price": str(self.price),
            "origQty": str(self.quantity),
            "executedQty": str(self.executed),
            "cummulativeQuoteQty": str(self.quote_executed),
            "status": self.status,
            "timeInForce": "GTC" if self.type == "LIMIT" else "",
            "type": self.type,
            "side": self.side,
            "stopPrice": "0.00000000",
            "icebergQty": "0.00000000",
            "time": self.time_ms,
            "updateTime": self.time_ms,
            "isWorking": True,
            "workingTime": self.time_ms,
            "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "NONE",
        }


@attrs.define(kw_only=True)
class _Fault:
    method: str
    path: str
    kind: FaultKind
    remaining: int


class _BinanceError(Exception):
    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


class FakeExchange:
    """An in-memory Binance spot exchange behind a loopback HTTP server.

    Use it as a context manager (``with FakeExchange() as fake:``) or call ``start`` and
    ``stop``. With ``api_key``/``secret`` set, signed endpoints check the ``X-MBX-APIKEY``
    header and the HMAC-SHA256 signature exactly as Binance does; without them any key is
    accepted. ``timeout_seconds`` is how long an injected timeout holds the reply back.
    """

    def __init__(
        self,
        *,
        prices: Mapping[str, Decimal] = DEFAULT_PRICES,
        balances: Mapping[str, Decimal] = DEFAULT_BALANCES,
        api_key: str | None = None,
        secret: str | None = None,
        timeout_seconds: float = 2.0,
    ) -> None:
        self.api_key = api_key
        self.secret = secret
        self.timeout_seconds = timeout_seconds
        self.requests: list[RecordedRequest] = []
        self.orders: list[FakeOrder] = []
        self.trades: list[dict[str, Any]] = []
        self._prices = dict(prices)
        self._levels = {symbol: float(price) for symbol, price in prices.items()}
        self._free = dict(balances)
        self._locked: dict[str, Decimal] = {}
        self._faults: list[_Fault] = []
        self._ids = itertools.count(1000)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("the fake exchange is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeExchange:
        """Listen on a free loopback port and serve from a background thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeExchange:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- test controls -------------------------------------------------------------------

    def inject(self, method: str, path: str, kind: FaultKind, *, times: int = 1) -> None:
        """Make the next ``times`` requests of ``method path`` fail with ``kind``."""
        with self._lock:
            self._faults.append(_Fault(method=method, path=path, kind=kind, remaining=times))

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Set the last price of ``symbol`` (``BTCUSDT``) and fill resting orders it crosses."""
        with self._lock:
            self._prices[symbol] = price
            for order in self.orders:
                if order.status == "NEW" and _crosses(order, price):
                    self._fill(order, order.price)

    def balance(self, asset: str) -> tuple[Decimal, Decimal]:
        """``(free, locked)`` of ``asset``."""
        with self._lock:
            return self._free.get(asset, Decimal(0)), self._locked.get(asset, Decimal(0))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The logged requests of ``method path``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    # -- request handling ----------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> FaultKind | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.path == path and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault.kind
        return None

    def _record(
        self, method: str, path: str, params: dict[str, str], headers: Any, status: int | None
    ) -> None:
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=method,
                    path=path,
                    params=params,
                    headers={k.lower(): v for k, v in headers.items()},
                    status=status,
                )
            )

    def _dispatch(
        self, method: str, path: str, params: dict[str, str], raw: str, headers: Any
    ) -> Any:
        routes = {
            ("GET", "/api/v3/ping"): lambda: {},
            ("GET", "/api/v3/time"): lambda: {"serverTime": _now_ms()},
            ("GET", "/api/v3/exchangeInfo"): self._exchange_info,
            ("GET", "/api/v3/klines"): lambda: self._klines(params),
            ("GET", "/api/v3/ticker/24hr"): lambda: self._ticker(params),
            ("GET", "/api/v3/ticker/price"): lambda: self._ticker_price(params),
        }
        signed = {
            ("GET", "/api/v3/account"): self._account,
            ("POST", "/api/v3/order"): lambda: self._new_order(params),
            ("GET", "/api/v3/order"): lambda: self._find_order(params).to_wire(),
            ("DELETE", "/api/v3/order"): lambda: self._cancel(params),
            ("GET", "/api/v3/openOrders"): lambda: self._open_orders(params),
            ("GET", "/api/v3/myTrades"): lambda: self._my_trades(params),
        }
        if (method, path) in routes:
            return routes[(method, path)]()
        if (method, path) in signed:
            self._authenticate(raw, headers)
            with self._lock:
                return signed[(method, path)]()
        raise _BinanceError(404, -1000, f"Unknown endpoint {method} {path}.")

    def _authenticate(self, raw: str, headers: Any) -> None:
        key = headers.get("X-MBX-APIKEY")
        if not key or (self.api_key is not None and key != self.api_key):
            raise _BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        payload, _, signature = raw.rpartition("&signature=")
        if self.secret is not None:
            expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, signature):
                raise _BinanceError(400, -1022, "Signature for this request is not valid.")

    # -- market data ---------------------------------------------------------------------

    def _exchange_info(self) -> dict[str, Any]:
        return {
            "timezone": "UTC",
            "serverTime": _now_ms(),
            "rateLimits": [],
            "exchangeFilters": [],
            "symbols": [_symbol_info(symbol) for symbol in sorted(self._prices)],
        }

    def _require_symbol(self, params: Mapping[str, str]) -> str:
        symbol = params.get("symbol", "")
        if symbol not in self._prices:
            raise _BinanceError(400, -1121, "Invalid symbol.")
        return symbol

    def _klines(self, params: Mapping[str, str]) -> list[list[Any]]:
        symbol = self._require_symbol(params)
        interval = INTERVALS_MS[params.get("interval", "1d")]
        limit = min(int(params.get("limit", 500)), 1000)
        now = _now_ms()
        end = min(int(params.get("endTime", now)), now)
        start = int(params.get("startTime", end - interval * (limit - 1)))
        first = -(-start // interval) * interval
        rows = []
        for open_ms in range(first, end + 1, interval):
            if len(rows) == limit:
                break
            rows.append(generated_kline(self._levels[symbol], open_ms, interval))
        return rows

    def _ticker(self, params: Mapping[str, str]) -> dict[str, Any]:
        symbol = self._require_symbol(params)
        last = self._prices[symbol]
        now = _now_ms()
        return {
            "symbol": symbol,
            "priceChange": "0",
            "priceChangePercent": "0",
            "weightedAvgPrice": str(last),
            "prevClosePrice": str(last),
            "lastPrice": str(last),
            "lastQty": "0.01",
            "bidPrice": str(last),
            "bidQty": "1",
            "askPrice": str(last),
            "askQty": "1",
            "openPrice": str(last),
            "highPrice": str(last),
            "lowPrice": str(last),
            "volume": "100",
            "quoteVolume": str(last * 100),
            "openTime": now - 86_400_000,
            "closeTime": now,
            "firstId": 1,
            "lastId": 100,
            "count": 100,
        }

    def _ticker_price(self, params: Mapping[str, str]) -> dict[str, str]:
        symbol = self._require_symbol(params)
        return {"symbol": symbol, "price": str(self._prices[symbol])}

    # -- account and orders --------------------------------------------------------------

    def _account(self) -> dict[str, Any]:
        assets = sorted(set(self._free) | set(self._locked))
        return {
            "makerCommission": 0,
            "takerCommission": 0,
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": False,
            "updateTime": _now_ms(),
            "accountType": "SPOT",
            "balances": [
                {
                    "asset": asset,
                    "free": str(self._free.get(asset, Decimal(0))),
                    "locked": str(self._locked.get(asset, Decimal(0))),
                }
                for asset in assets
            ],
            "permissions": ["SPOT"],
        }

    def _new_order(self, params: Mapping[str, str]) -> dict[str, Any]:
        symbol = self._require_symbol(params)
        client_id = params.get("newClientOrderId") or f"fake-{next(self._ids)}"
        if any(o.client_order_id == client_id and o.status == "NEW" for o in self.orders):
            raise _BinanceError(400, -2010, "Duplicate order sent.")
        order_type = params.get("type", "")
        if order_type not in ("LIMIT", "MARKET"):
            raise _BinanceError(400, -1116, "Invalid orderType.")
        quantity = Decimal(params.get("quantity", "0"))
        if quantity <= 0:
            raise _BinanceError(400, -1013, "Filter failure: LOT_SIZE")
        last = self._prices[symbol]
        price = Decimal(params["price"]) if order_type == "LIMIT" else last
        order = FakeOrder(
            order_id=next(self._ids),
            client_order_id=client_id,
            symbol=symbol,
            side=params.get("side", "BUY"),
            type=order_type,
            quantity=quantity,
            price=price,
            time_ms=_now_ms(),
        )
        base, quote = symbol[:-4], symbol[-4:]
        needed_asset, needed = (
            (quote, quantity * price) if order.side == "BUY" else (base, quantity)
        )
        if self._free.get(needed_asset, Decimal(0)) < needed:
            raise _BinanceError(
                400, -2010, "Account has insufficient balance for requested action."
            )
        self._move(needed_asset, needed)
        self.orders.append(order)
        if order_type == "MARKET" or _crosses(order, last):
            self._fill(
                order,
                last
                if order_type == "MARKET"
                else min(price, last)
                if order.side == "BUY"
                else max(price, last),
            )
        wire = order.to_wire()
        wire["transactTime"] = order.time_ms
        wire["fills"] = (
            [
                {
                    "price": str(order.quote_executed / order.executed),
                    "qty": str(order.executed),
                    "commission": "0",
                    "commissionAsset": quote,
                    "tradeId": order.order_id,
                }
            ]
            if order.executed
            else []
        )
        return wire

    def _move(self, asset: str, amount: Decimal) -> None:
        """Lock ``amount`` of ``asset`` (negative: release it)."""
        self._free[asset] = self._free.get(asset, Decimal(0)) - amount
        self._locked[asset] = self._locked.get(asset, Decimal(0)) + amount

    def _fill(self, order: FakeOrder, price: Decimal) -> None:
        base, quote = order.symbol[:-4], order.symbol[-4:]
        cost = order.quantity * price
        if order.side == "BUY":
            self._locked[quote] -= order.quantity * order.price
            self._free[quote] += order.quantity * order.price - cost
            self._free[base] = self._free.get(base, Decimal(0)) + order.quantity
        else:
            self._locked[base] -= order.quantity
            self._free[quote] = self._free.get(quote, Decimal(0)) + cost
        order.executed, order.quote_executed, order.status = order.quantity, cost, "FILLED"
        self.trades.append(
            {
                "symbol": order.symbol,
                "id": next(self._ids),
                "orderId": order.order_id,
                "orderListId": -1,
                "price": str(price),
                "qty": str(order.quantity),
                "quoteQty": str(cost),
                "commission": "0",
                "commissionAsset": quote,
                "time": _now_ms(),
                "isBuyer": order.side == "BUY",
                "isMaker": False,
                "isBestMatch": True,
            }
        )

    def _find_order(self, params: Mapping[str, str]) -> FakeOrder:
        symbol = self._require_symbol(params)
        order_id, client_id = params.get("orderId"), params.get("origClientOrderId")
        for order in reversed(self.orders):
            if order.symbol == symbol and (
                str(order.order_id) == order_id or order.client_order_id == client_id
            ):
                return order
        raise _BinanceError(400, -2013, "Order does not exist.")

    def _cancel(self, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            order = self._find_order(params)
        except _BinanceError:
            raise _BinanceError(400, -2011, "Unknown order sent.") from None
        if order.status != "NEW":
            raise _BinanceError(400, -2011, "Unknown order sent.")
        locked = order.quantity * order.price if order.side == "BUY" else order.quantity
        self._move(order.symbol[-4:] if order.side == "BUY" else order.symbol[:-4], -locked)
        order.status = "CANCELED"
        wire = order.to_wire()
        wire["origClientOrderId"] = order.client_order_id
        wire["transactTime"] = _now_ms()
        return wire

    def _my_trades(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        symbol = self._require_symbol(params)
        order_id = params.get("orderId")
        return [
            t
            for t in self.trades
            if t["symbol"] == symbol and (order_id is None or str(t["orderId"]) == order_id)
        ]

    def _open_orders(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        symbol = params.get("symbol")
        return [
            o.to_wire()
            for o in self.orders
            if o.status == "NEW" and (symbol is None or o.symbol == symbol)
        ]


def _crosses(order: FakeOrder, price: Decimal) -> bool:
    return price <= order.price if order.side == "BUY" else price >= order.price


def _now_ms() -> int:
    return int(time.time() * 1000)


def _symbol_info(symbol: str) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "status": "TRADING",
        "baseAsset": symbol[:-4],
        "baseAssetPrecision": 8,
        "quoteAsset": symbol[-4:],
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.01",
                "maxPrice": "1000000.00",
                "tickSize": "0.01",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00010",
                "maxQty": "9000.00000",
                "stepSize": "0.00010",
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": "5.00",
                "applyMinToMarket": True,
                "maxNotional": "9000000.00",
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def generated_kline(level: float, open_ms: int, interval_ms: int) -> list[Any]:
    """A deterministic Binance kline opening at ``open_ms``, its prices around ``level``.

    Prices follow slow and daily sine waves around ``level`` (a symbol's starting price),
    so the same request always gets the same bars, and high/low bracket open and close.
    """

    def price(ms: int) -> float:
        days = ms / 86_400_000
        return level * (1 + 0.1 * math.sin(days / 5) + 0.02 * math.sin(days * 2 * math.pi))

    opened, closed = price(open_ms), price(open_ms + interval_ms)
    high, low = max(opened, closed) * 1.001, min(opened, closed) * 0.999
    volume = 10 + (open_ms // interval_ms) % 7
    return [
        open_ms,
        f"{opened:.2f}",
        f"{high:.2f}",
        f"{low:.2f}",
        f"{closed:.2f}",
        f"{volume:.4f}",
        open_ms + interval_ms - 1,
        f"{volume * closed:.4f}",
        100,
        "0",
        "0",
        "0",
    ]


def _handler_for(fake: FakeExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log; requests go to ``fake.requests``."""

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            raw = body or url.query
            params = dict(parse_qsl(url.query)) | dict(parse_qsl(body))
            method = self.command
            fault = fake._take_fault(method, url.path)
            if fault in ("429", "500", "503"):
                status = int(fault)
                fake._record(method, url.path, params, self.headers, status)
                self._send(status, _FAULT_BODIES[status])
                return
            if fault == "timeout":
                fake._record(method, url.path, params, self.headers, None)
                self.close_connection = True
                time.sleep(fake.timeout_seconds)
                return
            try:
                payload = fake._dispatch(method, url.path, params, raw, self.headers)
                status, text = 200, json.dumps(payload)
            except _BinanceError as error:
                status, text = error.status, json.dumps({"code": error.code, "msg": error.msg})
            if fault == "accepted-timeout":
                fake._record(method, url.path, params, self.headers, None)
                self.close_connection = True
                time.sleep(fake.timeout_seconds)
                return
            if fault == "malformed":
                text = "<html>upstream gateway error"
            fake._record(method, url.path, params, self.headers, status)
            self._send(status, text)

        def _send(self, status: int, text: str) -> None:
            data = text.encode()
            # A client that gave up (an injected timeout) has nothing left to be told.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        do_GET = do_POST = do_DELETE = do_PUT = _handle

    return Handler


@contextmanager
def serve_fake_exchange(**settings: Any) -> Iterator[str]:
    """Run a :class:`FakeExchange` (built with ``settings``) and yield its base URL.

    For suites that only need an exchange to exist, e.g. the documentation's commands run
    with ``RUSTYBT_CCXT_BASE_URL`` set to the yielded URL.
    """
    with FakeExchange(**settings) as fake:
        yield fake.base_url
