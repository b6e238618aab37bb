"""A loopback fake of Binance's spot REST API, for tests and offline demos.

It speaks the real wire format (``/api/v3/exchangeInfo``, ``klines``, ``ticker/24hr``,
``ticker/price``, ``account``, ``order`` POST/GET/DELETE, ``openOrders``, ``allOrders``,
``myTrades``, ``time``, ``ping``), so real ccxt code runs over real HTTP against it. Orders are
matched in memory against a settable last price, whole or in parts; balances move with
fills. For fault-injection suites it can fail requests per endpoint (HTTP 429, 5xx, timeouts
before or after the order is accepted, malformed or truncated JSON), fail every request
during an outage, and run a test's action (e.g. kill the client) when a request arrives, is
acted on, or is answered. Every request is logged, and :meth:`FakeExchange.ledger` gives an
audit view of orders and trades. It listens on 127.0.0.1 only.

Point RustyBT at it with ``RUSTYBT_CCXT_BASE_URL=<fake.base_url>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import math
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import ROUND_DOWN, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import attrs

FaultKind = Literal["429", "500", "503", "timeout", "accepted-timeout", "malformed", "truncated"]
"""An injected failure: an HTTP status, a reply that never comes in time (``timeout``:
before the request is handled; ``accepted-timeout``: after it is), a body that is not JSON
(``malformed``), or the exchange's answer with its JSON body cut in half (``truncated``: a
partial answer). The last three come after the request was acted on."""

OutageKind = Literal["429", "500", "503", "timeout"]
"""How every request fails during an :meth:`FakeExchange.outage`: none of them is acted on."""

HookMoment = Literal["received", "handled", "answered"]
"""When an :meth:`FakeExchange.on_request` action runs: ``received`` before the request is
acted on, ``handled`` after it was acted on but before the answer, ``answered`` after the
answer was written and flushed. After ``received`` and ``handled`` the connection is dropped
without an answer."""

_HOST = "127.0.0.1"

LOT_STEP = Decimal("0.0001")
"""The LOT_SIZE step of every symbol: quantities of orders and of fill parts are multiples."""

MAX_PAGE = 1000
"""The most rows ``myTrades`` and ``allOrders`` return (``limit`` defaults to 500)."""

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


@attrs.frozen(kw_only=True)
class Ledger:
    """An audit snapshot of the fake's books, taken by :meth:`FakeExchange.ledger`.

    ``orders_by_client_id`` maps each clientOrderId to its orders, oldest first (copies, so
    later fills do not change the snapshot); ``trades_by_order_id`` maps every orderId to its
    trades (Binance's ``myTrades`` rows), oldest first, empty for an order without fills.
    """

    orders_by_client_id: dict[str, list[FakeOrder]]
    trades_by_order_id: dict[int, list[dict[str, Any]]]

    def duplicate_client_ids(self) -> list[str]:
        """The clientOrderIds that more than one order carries, in order of first use."""
        return [cid for cid, orders in self.orders_by_client_id.items() if len(orders) > 1]


class FakeExchangeCallbackError(RuntimeError):
    """A test's callback (an ``on_request`` action or an outage's ``while_``) raised inside
    the server; :meth:`FakeExchange.stop` raises this so the failure is not lost."""


@attrs.define(kw_only=True)
class _Fault:
    method: str
    path: str
    kind: FaultKind
    remaining: int


@attrs.define(kw_only=True)
class _Hook:
    method: str
    path: str
    when: HookMoment
    action: Callable[[], object]
    remaining: int


@attrs.frozen(kw_only=True)
class _Outage:
    kind: OutageKind
    while_: Callable[[], bool] | None


@attrs.frozen(kw_only=True)
class _Reply:
    """What the handler does with one request: answer ``status``/``text``, or (``status``
    None) drop the connection after ``hold_seconds``."""

    status: int | None
    text: str = ""
    hold_seconds: float = 0.0
    fault: bool = False
    handled: bool = False


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

    ``partial_fill_parts`` (N, default 1) splits every fill: an order that can fill (a market
    order, or a limit order its price crosses) fills 1/N of its quantity per match, rounded
    down to the LOT_SIZE step with the remainder in the last part, one trade per part. It
    gets its first part when placed and the next at each :meth:`match` or :meth:`set_price`
    that finds it still crossing.

    ``faults_served`` counts the requests that met an injected fault of any sort: an
    ``inject`` fault, an outage, or a connection dropped by an ``on_request`` hook.
    """

    def __init__(
        self,
        *,
        prices: Mapping[str, Decimal] = DEFAULT_PRICES,
        balances: Mapping[str, Decimal] = DEFAULT_BALANCES,
        api_key: str | None = None,
        secret: str | None = None,
        timeout_seconds: float = 2.0,
        partial_fill_parts: int = 1,
    ) -> None:
        if partial_fill_parts < 1:
            raise ValueError(f"partial_fill_parts must be 1 or more, not {partial_fill_parts}")
        self.api_key = api_key
        self.secret = secret
        self.timeout_seconds = timeout_seconds
        self.partial_fill_parts = partial_fill_parts
        self.requests: list[RecordedRequest] = []
        self.orders: list[FakeOrder] = []
        self.trades: list[dict[str, Any]] = []
        self.faults_served = 0
        self._prices = dict(prices)
        self._levels = {symbol: float(price) for symbol, price in prices.items()}
        self._free = dict(balances)
        self._locked: dict[str, Decimal] = {}
        self._faults: list[_Fault] = []
        self._hooks: list[_Hook] = []
        self._outage: _Outage | None = None
        self._callback_errors: list[Exception] = []
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
        return f"http://{_HOST}:{self._server.server_address[1]}"

    def start(self) -> FakeExchange:
        """Listen on a free loopback port and serve from a background thread."""
        server = _QuietServer((_HOST, 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port.

        Raises :class:`FakeExchangeCallbackError` (once) if a test's callback raised while
        serving; the server is stopped either way.
        """
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            errors, self._callback_errors = self._callback_errors, []
        if errors:
            raise FakeExchangeCallbackError(
                f"{len(errors)} test callback(s) raised inside the fake exchange; "
                f"the first: {errors[0]!r}"
            ) from errors[0]

    def __enter__(self) -> FakeExchange:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if exc_type is None:
            self.stop()
            return
        # The body's own failure is the one to report; a callback error would hide it.
        with contextlib.suppress(FakeExchangeCallbackError):
            self.stop()

    # -- test controls -------------------------------------------------------------------

    def inject(self, method: str, path: str, kind: FaultKind, *, times: int = 1) -> None:
        """Make the next ``times`` requests of ``method path`` fail with ``kind``."""
        with self._lock:
            self._faults.append(_Fault(method=method, path=path, kind=kind, remaining=times))

    def on_request(
        self,
        method: str,
        path: str,
        action: Callable[[], object],
        *,
        when: HookMoment = "received",
        times: int = 1,
    ) -> Callable[[], None]:
        """Run ``action()`` at the moment ``when`` of the next ``times`` requests of
        ``method path``, then forget it. Returns a function that forgets it at once.

        ``received``: before the request is acted on; the exchange never acts on it and
        the connection is dropped without an answer. ``handled``: after the request was
        acted on (an order placed or cancelled) and before its answer; the connection is
        dropped without an answer. ``answered``: after the exchange's answer was written and
        flushed. ``action`` runs in the server's thread, without the exchange's lock held;
        if it raises, the request goes on as planned and :meth:`stop` raises. Hooks on the
        same request and moment all run, oldest first. A ``received`` hook runs even during
        an outage; ``handled`` and ``answered`` hooks run only for requests the exchange
        acted on.
        """
        if when not in ("received", "handled", "answered"):
            raise ValueError(f"when must be 'received', 'handled' or 'answered', not {when!r}")
        if times < 1:
            raise ValueError(f"times must be 1 or more, not {times}")
        hook = _Hook(method=method, path=path, when=when, action=action, remaining=times)
        with self._lock:
            self._hooks.append(hook)

        def forget() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return forget

    def outage(self, kind: OutageKind, *, while_: Callable[[], bool] | None = None) -> None:
        """Fail every request, public or signed, with ``kind`` until the outage ends.

        ``while_`` is asked at each request; the first time it returns False the outage
        ends for good (None: it lasts until :meth:`end_outage`). Requests failed by an
        outage are not acted on and do not use up faults queued by :meth:`inject`. A new
        outage replaces the current one.
        """
        with self._lock:
            self._outage = _Outage(kind=kind, while_=while_)

    def end_outage(self) -> None:
        """End the current outage, if any; the next request is served normally."""
        with self._lock:
            self._outage = None

    def set_price(self, symbol: str, price: Decimal) -> None:
        """Set the last price of ``symbol`` (``BTCUSDT``) and match its open orders.

        Every open order of ``symbol`` the new price crosses fills its next part (see
        ``partial_fill_parts``; with 1 part, all of it): a limit order at its limit price,
        a market order at ``price``.
        """
        with self._lock:
            self._prices[symbol] = price
            self._match((symbol,))

    def match(self) -> None:
        """Match every open order at its symbol's current last price, as :meth:`set_price`
        does: each order the price crosses fills its next part."""
        with self._lock:
            self._match(tuple(self._prices))

    def ledger(self) -> Ledger:
        """An audit snapshot of every order by clientOrderId and every trade by orderId.

        A clientOrderId reused after its first order closed (which Binance, and this fake,
        accept) shows as a list of two orders; see :meth:`Ledger.duplicate_client_ids`.
        """
        with self._lock:
            orders: dict[str, list[FakeOrder]] = {}
            trades: dict[int, list[dict[str, Any]]] = {}
            for order in self.orders:
                orders.setdefault(order.client_order_id, []).append(attrs.evolve(order))
                trades[order.order_id] = []
            for trade in self.trades:
                trades[trade["orderId"]].append(dict(trade))
        return Ledger(orders_by_client_id=orders, trades_by_order_id=trades)

    def balance(self, asset: str) -> tuple[Decimal, Decimal]:
        """``(free, locked)`` of ``asset``."""
        with self._lock:
            return self._free.get(asset, Decimal(0)), self._locked.get(asset, Decimal(0))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The logged requests of ``method path``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    # -- request handling ----------------------------------------------------------------

    def _reply(
        self, method: str, path: str, params: dict[str, str], raw: str, headers: Any
    ) -> _Reply:
        """Decide the fate of one request, acting on it unless a fault comes first."""
        if self._run_hooks(method, path, "received"):
            return _Reply(status=None, fault=True)
        fault = self._outage_kind() or self._take_fault(method, path)
        if fault in ("429", "500", "503"):
            status = int(fault)
            return _Reply(status=status, text=_FAULT_BODIES[status], fault=True)
        if fault == "timeout":
            return _Reply(status=None, hold_seconds=self.timeout_seconds, fault=True)
        try:
            status, text = 200, json.dumps(self._dispatch(method, path, params, raw, headers))
        except _BinanceError as error:
            status, text = error.status, json.dumps({"code": error.code, "msg": error.msg})
        # A handled hook's dropped connection takes the place of a fault taken above.
        if self._run_hooks(method, path, "handled"):
            return _Reply(status=None, fault=True, handled=True)
        if fault == "accepted-timeout":
            return _Reply(status=None, hold_seconds=self.timeout_seconds, fault=True, handled=True)
        if fault == "malformed":
            return _Reply(
                status=status, text="<html>upstream gateway error", fault=True, handled=True
            )
        if fault == "truncated":
            return _Reply(status=status, text=text[: len(text) // 2], fault=True, handled=True)
        return _Reply(status=status, text=text, handled=True)

    def _take_fault(self, method: str, path: str) -> FaultKind | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.path == path and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault.kind
        return None

    def _outage_kind(self) -> OutageKind | None:
        with self._lock:
            outage = self._outage
        if outage is None:
            return None
        # Asked without the lock: the test's callable may itself look at the exchange.
        if outage.while_ is None or self._call_back(outage.while_):
            return outage.kind
        with self._lock:
            if self._outage is outage:
                self._outage = None
        return None

    def _run_hooks(self, method: str, path: str, when: HookMoment) -> bool:
        """Run (outside the lock) the hooks due at this moment; True if there were any."""
        with self._lock:
            due = [
                hook
                for hook in self._hooks
                if (hook.method, hook.path, hook.when) == (method, path, when)
            ]
            for hook in due:
                hook.remaining -= 1
            self._hooks = [hook for hook in self._hooks if hook.remaining > 0]
        for hook in due:
            self._call_back(hook.action)
        return bool(due)

    def _call_back(self, callback: Callable[[], object]) -> object:
        """``callback()``, or None if it raised: kept for :meth:`stop` to raise, because an
        exception in the server's thread would otherwise pass unseen by the test."""
        try:
            return callback()
        except Exception as error:
            with self._lock:
                self._callback_errors.append(error)
            return None

    def _record(
        self, method: str, path: str, params: dict[str, str], headers: Any, reply: _Reply
    ) -> None:
        with self._lock:
            self.faults_served += reply.fault
            self.requests.append(
                RecordedRequest(
                    method=method,
                    path=path,
                    params=params,
                    headers={k.lower(): v for k, v in headers.items()},
                    status=reply.status,
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
            ("GET", "/api/v3/allOrders"): lambda: self._all_orders(params),
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
        if not symbol:
            raise _BinanceError(
                400,
                -1102,
                "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
            )
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
        rows: list[list[Any]] = []
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
        # Binance refuses a clientOrderId only while an open order carries it.
        if any(o.client_order_id == client_id and _is_open(o) for o in self.orders):
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
        if _crosses(order, last):
            # A crossing order takes the book's price: the better of its limit and the last.
            taker_price = min(price, last) if order.side == "BUY" else max(price, last)
            self._fill_part(order, taker_price, maker=False)
        wire = order.to_wire()
        wire["transactTime"] = order.time_ms
        wire["fills"] = [
            {
                "price": trade["price"],
                "qty": trade["qty"],
                "commission": trade["commission"],
                "commissionAsset": trade["commissionAsset"],
                "tradeId": trade["id"],
            }
            for trade in self.trades
            if trade["orderId"] == order.order_id
        ]
        return wire

    def _move(self, asset: str, amount: Decimal) -> None:
        """Lock ``amount`` of ``asset`` (negative: release it)."""
        self._free[asset] = self._free.get(asset, Decimal(0)) - amount
        self._locked[asset] = self._locked.get(asset, Decimal(0)) + amount

    def _match(self, symbols: Sequence[str]) -> None:
        for order in self.orders:
            if order.symbol not in symbols or not _is_open(order):
                continue
            last = self._prices[order.symbol]
            if not _crosses(order, last):
                continue
            if order.type == "MARKET":
                self._fill_part(order, last, maker=False)
            else:  # a resting limit order is the maker: it fills at its own price
                self._fill_part(order, order.price, maker=True)

    def _next_part(self, order: FakeOrder) -> Decimal:
        """The quantity ``order`` fills now: 1/N of it rounded down to the lot step (at
        least one step), and all that is left in the last of the N parts."""
        remaining = order.quantity - order.executed
        parts_done = sum(1 for trade in self.trades if trade["orderId"] == order.order_id)
        if parts_done >= self.partial_fill_parts - 1:
            return remaining
        share = (order.quantity / self.partial_fill_parts).quantize(LOT_STEP, ROUND_DOWN)
        return min(max(share, LOT_STEP), remaining)

    def _fill_part(self, order: FakeOrder, price: Decimal, *, maker: bool) -> None:
        """Fill the next part of ``order`` at ``price``: one trade, balances moved exactly."""
        base, quote = order.symbol[:-4], order.symbol[-4:]
        qty = self._next_part(order)
        cost = qty * price
        if order.side == "BUY":
            # The quote was locked at the order's price; any saving returns to free.
            reserved = qty * order.price
            self._locked[quote] -= reserved
            self._free[quote] += reserved - cost
            self._free[base] = self._free.get(base, Decimal(0)) + qty
        else:
            self._locked[base] -= qty
            self._free[quote] = self._free.get(quote, Decimal(0)) + cost
        order.executed += qty
        order.quote_executed += cost
        order.status = "FILLED" if order.executed == order.quantity else "PARTIALLY_FILLED"
        self.trades.append(
            {
                "symbol": order.symbol,
                "id": next(self._ids),
                "orderId": order.order_id,
                "orderListId": -1,
                "price": str(price),
                "qty": str(qty),
                "quoteQty": str(cost),
                "commission": "0",
                "commissionAsset": quote,
                "time": _now_ms(),
                "isBuyer": order.side == "BUY",
                "isMaker": maker,
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
        if not _is_open(order):
            raise _BinanceError(400, -2011, "Unknown order sent.")
        unfilled = order.quantity - order.executed
        if order.side == "BUY":
            self._move(order.symbol[-4:], -unfilled * order.price)
        else:
            self._move(order.symbol[:-4], -unfilled)
        order.status = "CANCELED"
        wire = order.to_wire()
        wire["origClientOrderId"] = order.client_order_id
        wire["transactTime"] = _now_ms()
        return wire

    def _my_trades(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Binance's trade list: by ``orderId``, or paged by ``fromId`` or by time."""
        symbol = self._require_symbol(params)
        order_id = _int_param(params, "orderId")
        by_time = "startTime" in params or "endTime" in params
        if by_time and (order_id is not None or "fromId" in params):
            raise _BinanceError(400, -1128, "Combination of optional parameters invalid.")
        trades = [
            t
            for t in self.trades
            if t["symbol"] == symbol and (order_id is None or t["orderId"] == order_id)
        ]
        return _page(trades, params, from_param="fromId", id_key="id", time_key="time")

    def _all_orders(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Binance's order history, open and closed: from ``orderId`` on, or by time."""
        symbol = self._require_symbol(params)
        orders = [o.to_wire() for o in self.orders if o.symbol == symbol]
        return _page(orders, params, from_param="orderId", id_key="orderId", time_key="time")

    def _open_orders(self, params: Mapping[str, str]) -> list[dict[str, Any]]:
        symbol = params.get("symbol")
        return [
            o.to_wire()
            for o in self.orders
            if _is_open(o) and (symbol is None or o.symbol == symbol)
        ]


def _crosses(order: FakeOrder, price: Decimal) -> bool:
    if order.type == "MARKET":
        return True
    return price <= order.price if order.side == "BUY" else price >= order.price


def _is_open(order: FakeOrder) -> bool:
    return order.status in ("NEW", "PARTIALLY_FILLED")


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise _BinanceError(
            400,
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        )
    return int(text)


def _page(
    rows: list[dict[str, Any]],
    params: Mapping[str, str],
    *,
    from_param: str,
    id_key: str,
    time_key: str,
) -> list[dict[str, Any]]:
    """Binance's paging of a history (``rows`` in id order): rows with id >= ``from_param``
    and time within ``startTime``..``endTime`` (inclusive), at most ``limit`` (default 500,
    at most :data:`MAX_PAGE`) of them: the oldest when paging from an id or a start time,
    else the most recent."""
    limit = _int_param(params, "limit")
    if limit == 0:
        raise _BinanceError(
            400,
            -1100,
            f"Illegal characters found in parameter 'limit'; legal range is '1' to '{MAX_PAGE}'.",
        )
    limit = min(limit or 500, MAX_PAGE)
    from_id = _int_param(params, from_param)
    start, end = _int_param(params, "startTime"), _int_param(params, "endTime")
    chosen = [
        row
        for row in rows
        if (from_id is None or row[id_key] >= from_id)
        and (start is None or row[time_key] >= start)
        and (end is None or row[time_key] <= end)
    ]
    return chosen[:limit] if from_id is not None or start is not None else chosen[-limit:]


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
                "stepSize": str(LOT_STEP),
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


class _QuietServer(ThreadingHTTPServer):
    """A server that takes a client killed mid-request (a fault-injection test) calmly."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore a connection the client dropped; report anything else as usual."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)


def _handler_for(fake: FakeExchange) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            """Send each answer at once: with Nagle's algorithm on, a keep-alive client
            waits for the delayed ACK (about 40 ms) on every request."""
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log; requests go to ``fake.requests``."""

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            raw = body or url.query
            params = dict(parse_qsl(url.query)) | dict(parse_qsl(body))
            method = self.command
            reply = fake._reply(method, url.path, params, raw, self.headers)
            fake._record(method, url.path, params, self.headers, reply)
            if reply.status is None:
                # No answer: the client sees its connection closed (after a timeout's hold).
                self.close_connection = True
                time.sleep(reply.hold_seconds)
                return
            self._send(reply.status, reply.text)
            if reply.handled:
                fake._run_hooks(method, url.path, "answered")

        def _send(self, status: int, text: str) -> None:
            data = text.encode()
            # A client that gave up (an injected timeout) has nothing left to be told.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

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
