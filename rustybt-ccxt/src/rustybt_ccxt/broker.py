"""The ``ccxt`` broker: spot orders on a real exchange through ``ccxt.async_support``.

An :class:`rustybt.broker.AsyncBroker`: the engine wraps it with
:func:`rustybt.broker.as_sync_broker`, which runs it on one event loop for its whole life.

Orders are checked before they are sent: the amount is truncated to the market's amount
precision and a limit price rounded to its price precision, then the market's minimum
amount and minimum notional (amount x price; the last price for a market order) must hold.
Every order carries our client order id (Binance's ``newClientOrderId``). A submission
whose answer is lost (a network error, a timeout, a malformed body) is looked up by that id
and its symbol before it is tried again, so an order the exchange accepted is found, never
placed twice; when even the lookup cannot get through, :class:`VenueUnavailable` says the
order's fate is unknown. Fills are read from the account's trade history by trade id
(:meth:`CcxtBroker.fills_since`), so a fill is found whatever happened to the order's
answer.

Order ids are ``<symbol>#<exchange order id>``: exchanges such as Binance need the symbol
to look an order up or cancel it, and the id carries it across restarts.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pandas as pd
from rustybt.broker import Balance, BrokerFill, BrokerOrder, OrderRequest
from rustybt.errors import BrokerError, VenueUnavailable
from rustybt.finance.order import OrderStatus
from rustybt.retry import RetryWatch, call_with_retries_async, log_retry

from rustybt_ccxt.client import new_client
from rustybt_ccxt.credentials import Credentials, load_credentials
from rustybt_ccxt.error_messages import (
    MALFORMED_ANSWER_ERRORS,
    MalformedAnswer,
    describe,
    plain,
)
from rustybt_ccxt.log_redaction import RedactCredentials, redact_ccxt_logs, stop_redacting
from rustybt_ccxt.retries import RetriesExhaustedError, RetryPolicy, is_transient

logger = logging.getLogger("rustybt_ccxt")

MALFORMED_EXCERPT = 120
"""How much of a malformed answer's body the log shows (after redaction)."""

if TYPE_CHECKING:
    from ccxt.async_support.base.exchange import Exchange


_STATUSES = {
    "open": OrderStatus.OPEN,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "expired": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
}
TRADE_PAGE = 500
"""Trades asked for per request of the trade history (Binance's default page)."""
TEST_ORDER_DISCOUNT = Decimal("0.5")
"""A test order is a buy limit at this fraction of the last price: it rests, never fills."""


class CcxtBroker:
    """Spot trading on one ccxt exchange (``binance`` by default; ``testnet``: its sandbox).

    Credentials come from :func:`rustybt_ccxt.credentials.load_credentials` at ``connect``.
    Positions are the non-zero balances of currencies that trade against
    ``quote_currency``, keyed by their market (``BTC/USDT``). Requests time out after
    ``timeout_seconds``; network errors are retried per ``retry``.
    """

    name = "ccxt"

    def __init__(
        self,
        exchange: str = "binance",
        *,
        testnet: bool = False,
        quote_currency: str = "USDT",
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.exchange = exchange
        self.testnet = testnet
        self.quote_currency = quote_currency
        self.retry = retry or RetryPolicy()
        self.timeout_seconds = timeout_seconds
        self._client: Exchange | None = None
        self._credentials: Credentials | None = None
        self._redactor: RedactCredentials | None = None
        self._used_client_ids: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"CcxtBroker(exchange={self.exchange!r}, testnet={self.testnet})"

    # -- session -------------------------------------------------------------------------

    async def connect(self) -> None:
        """Load the exchange's markets and authenticate (by reading the balance).

        Raises :class:`BrokerError` for missing or rejected credentials or an exchange that
        cannot be reached; nothing stays open then.
        """
        if self._client is not None:
            return
        self._credentials = load_credentials(self.exchange)
        client = new_client(
            self.exchange,
            testnet=self.testnet,
            credentials=self._credentials,
            timeout_seconds=self.timeout_seconds,
        )
        self._redactor = redact_ccxt_logs(self._credentials)
        self._client = client
        try:
            await self._call(client.load_markets, "loading markets")
            await self._call(client.fetch_balance, "authenticating")
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the exchange session. Calling it again is harmless."""
        client, self._client = self._client, None
        redactor, self._redactor = self._redactor, None
        try:
            if client is not None:
                await client.close()
        finally:
            if redactor is not None:
                stop_redacting(redactor)

    # -- account -------------------------------------------------------------------------

    async def balances(self) -> dict[str, Balance]:
        """Every currency with a non-zero total, as Decimals."""
        raw = await self._call(self._connected().fetch_balance, "reading balances")
        balances = {}
        for currency, total in (raw.get("total") or {}).items():
            if total:
                free = (raw.get("free") or {}).get(currency) or 0
                balances[currency] = Balance(
                    currency=currency, total=_decimal(total), free=_decimal(free)
                )
        return balances

    async def positions(self) -> dict[str, Decimal]:
        """Non-zero holdings of currencies other than the quote currency, by market symbol."""
        client = self._connected()
        positions = {}
        for currency, balance in (await self.balances()).items():
            symbol = f"{currency}/{self.quote_currency}"
            if currency != self.quote_currency and symbol in client.markets:
                positions[symbol] = balance.total
        return positions

    async def open_orders(self) -> list[BrokerOrder]:
        """Every open order on the exchange, oldest first."""
        raw = await self._call(self._connected().fetch_open_orders, "listing open orders")
        return sorted((self._order(o) for o in raw), key=lambda order: order.created)

    # -- orders --------------------------------------------------------------------------

    async def submit_order(self, request: OrderRequest) -> BrokerOrder:
        """Check, quantize and place ``request`` as a market or limit order.

        Idempotent by client order id: a request whose id was sent before returns the order
        that placed, if the exchange has one. Raises :class:`BrokerError` naming the client
        order id when the symbol is unknown, a market rule (precision, minimum amount or
        notional) fails, the exchange rejects the order, or it cannot be placed after the
        retries; :class:`VenueUnavailable` when its fate cannot be learned.
        """
        client = self._connected()
        cid = request.client_order_id
        if cid in self._used_client_ids:
            # Sent before with an unknown outcome: the order it placed, if any, is the answer.
            placed = await self._lookup(self._used_client_ids[cid], cid)
            if placed is not None:
                return placed
        if request.stop_price is not None:
            raise BrokerError(f"order '{cid}': the ccxt broker places market and limit orders only")
        amount, price = await self._checked(request)
        self._used_client_ids[cid] = request.symbol
        side = "buy" if request.amount > 0 else "sell"
        order_type = "market" if price is None else "limit"
        ccxt = _ccxt()

        async def place() -> BrokerOrder:
            try:
                raw = await self._parsed(
                    lambda: client.create_order(
                        request.symbol,
                        order_type,
                        side,
                        float(amount),
                        None if price is None else float(price),
                        {"clientOrderId": cid},
                    )
                )
                return self._order(raw, client_order_id=cid)
            except (*MALFORMED_ANSWER_ERRORS, *_retryable()) as exc:
                # The exchange may have accepted the order before the answer was lost.
                placed = await self._lookup(request.symbol, cid)
                if placed is not None:
                    return placed
                raise _NotPlaced(exc) from exc

        try:
            return await call_with_retries_async(
                place,
                self.retry,
                retryable=lambda exc: isinstance(exc, _NotPlaced),
                watch=RetryWatch(what=f"{self.exchange} order '{cid}'"),
            )
        except RetriesExhaustedError as exc:
            raise VenueUnavailable(
                f"order '{cid}' was not placed: {self.exchange} unreachable after "
                f"{exc.attempts} attempts ({self._describe(_cause(exc.last))})"
            ) from None
        except ccxt.BaseError as exc:
            raise BrokerError(
                f"{self.exchange} rejected order '{cid}' ({request.symbol}): {self._describe(exc)}"
            ) from None

    async def cancel_order(self, order_id: str) -> BrokerOrder:
        """Cancel an open order and return its final state (BrokerError if it is unknown)."""
        symbol, exchange_id = _split_order_id(order_id)
        if symbol is None:
            raise BrokerError(f"no order '{order_id}' on {self.exchange}")
        client = self._connected()
        raw = await self._call(
            lambda: client.cancel_order(exchange_id, symbol), f"cancelling order '{order_id}'"
        )
        return self._order(raw)

    async def get_order(
        self,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        symbol: str | None = None,
    ) -> BrokerOrder | None:
        """The order with this id, or this client order id (open or closed), or None if
        the exchange has none. ``symbol`` is needed to find a closed order by client order
        id that this broker did not place itself (one from before a restart)."""
        if order_id is not None:
            order_symbol, exchange_id = _split_order_id(order_id)
            if order_symbol is None:
                return None
            return await self._fetch_order(order_symbol, exchange_id, None)
        if client_order_id is None:
            return None
        symbol = symbol or self._used_client_ids.get(client_order_id)
        if symbol is not None:
            return await self._lookup(symbol, client_order_id)
        # Without a symbol only open orders can be searched.
        return next(
            (o for o in await self.open_orders() if o.client_order_id == client_order_id), None
        )

    async def fills_since(
        self, symbol: str, *, after: str | None, since: pd.Timestamp
    ) -> list[BrokerFill]:
        """The account's fills of ``symbol`` after the fill with id ``after`` (when None:
        from ``since`` on), oldest first, from the exchange's trade history: every fill is
        found there whatever became of its order's answer. ``client_order_id`` is empty;
        ``order_id`` says whose fill it is."""
        client = self._connected()
        fills: list[BrokerFill] = []
        cursor = after
        while True:
            params = {} if cursor is None else {"fromId": int(cursor) + 1}
            start = None if cursor is not None else int(since.value // 1_000_000)
            page = await self._call(
                lambda p=params, s=start: client.fetch_my_trades(
                    symbol, since=s, limit=TRADE_PAGE, params=p
                ),
                f"reading the {symbol} trade history",
            )
            fills.extend(self._fill(trade, symbol) for trade in page)
            if len(page) < TRADE_PAGE:
                return sorted(fills, key=lambda fill: int(fill.fill_id))
            cursor = str(max(int(trade["id"]) for trade in page))

    async def order_fills(self, order_id: str) -> list[BrokerFill]:
        """Every fill of the order so far, oldest first (empty for an unknown order)."""
        symbol, exchange_id = _split_order_id(order_id)
        if symbol is None:
            return []
        client = self._connected()
        trades = await self._call(
            lambda: client.fetch_my_trades(symbol, params={"orderId": exchange_id}),
            f"reading the fills of order '{order_id}'",
        )
        trades = [t for t in trades if str(t.get("order")) == exchange_id]
        client_order_id = await self._client_id_of(symbol, exchange_id) if trades else ""
        fills = [
            attrs.evolve(self._fill(trade, symbol), client_order_id=client_order_id)
            for trade in trades
        ]
        return sorted(fills, key=lambda fill: fill.dt)

    def _fill(self, trade: dict[str, Any], symbol: str) -> BrokerFill:
        sign = Decimal(-1) if trade.get("side") == "sell" else Decimal(1)
        return BrokerFill(
            fill_id=str(trade["id"]),
            order_id=f"{symbol}#{trade['order']}",
            client_order_id="",
            symbol=symbol,
            amount=sign * _decimal(trade["amount"]),
            price=_decimal(trade["price"]),
            commission=_decimal((trade.get("fee") or {}).get("cost") or 0),
            dt=pd.Timestamp(trade["timestamp"], unit="ms", tz="UTC"),
        )

    async def test_order_request(self, symbol: str, client_order_id: str) -> OrderRequest:
        """The smallest valid buy limit of ``symbol`` at half its last price: it rests.

        Used by ``rustybt test-broker --place-test-order``.
        """
        market = self._market(symbol)
        price = Decimal(
            self._connected().price_to_precision(
                symbol, str(await self._last_price(symbol) * TEST_ORDER_DISCOUNT)
            )
        )
        limits = market.get("limits") or {}
        min_amount = _decimal((limits.get("amount") or {}).get("min") or 0)
        min_cost = _decimal((limits.get("cost") or {}).get("min") or 0)
        step = _decimal((market.get("precision") or {}).get("amount") or 0)
        amount = max(min_amount, min_cost / price if price else Decimal(0), step)
        if step:
            amount = (amount / step).to_integral_value(rounding="ROUND_CEILING") * step
        return OrderRequest(
            client_order_id=client_order_id, symbol=symbol, amount=amount, limit_price=price
        )

    # -- helpers -------------------------------------------------------------------------

    def _connected(self) -> Exchange:
        if self._client is None:
            raise BrokerError(f"the {self.exchange} broker is not connected: call connect() first")
        return self._client

    def _market(self, symbol: str) -> dict[str, Any]:
        market = self._connected().markets.get(symbol)
        if market is None:
            raise BrokerError(
                f"unknown symbol '{symbol}' on {self.exchange} (ccxt symbols look like BTC/USDT)"
            )
        return market

    async def _checked(self, request: OrderRequest) -> tuple[Decimal, Decimal | None]:
        """The order's amount and limit price at market precision, after the market rules."""
        client, symbol, cid = self._connected(), request.symbol, request.client_order_id
        market = self._market(symbol)
        if request.amount == 0:
            raise BrokerError(f"order '{cid}': amount is zero")
        if request.limit_price is not None and request.limit_price <= 0:
            raise BrokerError(f"order '{cid}': limit price {request.limit_price} is not positive")
        try:
            amount = Decimal(client.amount_to_precision(symbol, str(abs(request.amount))))
        except _ccxt().InvalidOrder:
            amount = Decimal(0)
        if amount == 0:
            raise BrokerError(
                f"order '{cid}': amount {plain(abs(request.amount))} rounds to 0 at {symbol}'s "
                f"amount precision {market['precision'].get('amount')} (market precision)"
            )
        price = (
            None
            if request.limit_price is None
            else Decimal(client.price_to_precision(symbol, str(request.limit_price)))
        )
        limits = market.get("limits") or {}
        min_amount = (limits.get("amount") or {}).get("min")
        if min_amount is not None and amount < _decimal(min_amount):
            raise BrokerError(
                f"order '{cid}': amount {plain(amount)} is below {symbol}'s minimum amount "
                f"{plain(_decimal(min_amount))} (market rule limits.amount.min)"
            )
        min_cost = (limits.get("cost") or {}).get("min")
        if min_cost is not None:
            reference = price if price is not None else await self._last_price(symbol)
            if amount * reference < _decimal(min_cost):
                raise BrokerError(
                    f"order '{cid}': notional {plain(amount * reference)} is below {symbol}'s "
                    f"minimum notional {plain(_decimal(min_cost))} (market rule limits.cost.min)"
                )
        return amount, price

    async def _last_price(self, symbol: str) -> Decimal:
        client = self._connected()
        ticker = await self._call(lambda: client.fetch_ticker(symbol), f"reading {symbol} price")
        last = ticker.get("last") or ticker.get("close")
        if not last:
            raise BrokerError(f"{self.exchange} has no last price for {symbol}")
        return _decimal(last)

    async def _fetch_order(
        self, symbol: str, exchange_id: str | None, client_order_id: str | None
    ) -> BrokerOrder | None:
        client = self._connected()
        params = {} if client_order_id is None else {"clientOrderId": client_order_id}
        try:
            raw = await self._call(
                lambda: client.fetch_order(exchange_id, symbol, params),
                f"looking up order {exchange_id or client_order_id}",
                passthrough=(_ccxt().OrderNotFound,),
            )
        except _ccxt().OrderNotFound:
            return None
        return self._order(raw, client_order_id=client_order_id)

    async def _client_id_of(self, symbol: str, exchange_id: str) -> str:
        order = await self._fetch_order(symbol, exchange_id, None)
        return order.client_order_id if order is not None else ""

    async def _lookup(self, symbol: str, client_order_id: str) -> BrokerOrder | None:
        """The order placed under ``client_order_id``, open or closed, or None if the
        exchange has none: by the exchange's own lookup, else by its list of orders.

        Raises :class:`VenueUnavailable` when even the lookup cannot get through: the
        order's fate is then unknown, and sending it again could place it twice.
        """
        client = self._connected()
        try:
            if client.has.get("fetchOrder"):
                return await self._fetch_order(symbol, None, client_order_id)
            listed = await self._call(
                lambda: client.fetch_orders(symbol), f"listing {symbol} orders"
            )
        except VenueUnavailable as exc:
            raise VenueUnavailable(
                f"order '{client_order_id}' ({symbol}) may or may not have been placed on "
                f"{self.exchange}; not sent again ({exc})"
            ) from None
        return next(
            (self._order(raw) for raw in listed if raw.get("clientOrderId") == client_order_id),
            None,
        )

    async def _call(
        self, operation: Any, what: str, *, passthrough: tuple[type[Exception], ...] = ()
    ) -> Any:
        """Await ``operation()`` with retries; ccxt errors become one-line BrokerErrors
        (:class:`VenueUnavailable` when the exchange stayed unreachable or kept answering
        malformed bodies)."""
        ccxt = _ccxt()
        described = f"{self.exchange} {what}"
        try:
            return await call_with_retries_async(
                lambda: self._parsed(operation),
                self.retry,
                retryable=is_transient,
                watch=RetryWatch(
                    what=described,
                    failed=lambda exc, attempt, delay: self._log_failure(described, exc, delay),
                ),
            )
        except passthrough:
            raise
        except RetriesExhaustedError as exc:
            failure = (
                "sent malformed answers"
                if isinstance(exc.last, MALFORMED_ANSWER_ERRORS)
                else "unreachable"
            )
            raise VenueUnavailable(
                f"{self.exchange} {failure} while {what} after {exc.attempts} attempts "
                f"({self._describe(exc.last)})"
            ) from None
        except (ccxt.AuthenticationError, ccxt.PermissionDenied) as exc:
            raise BrokerError(
                f"{self.exchange} rejected the API credentials while {what} "
                f"({self._describe(exc)}); check the key, secret and their permissions"
            ) from None
        except ccxt.BaseError as exc:
            raise BrokerError(f"{self.exchange} refused {what}: {self._describe(exc)}") from None

    async def _parsed(self, operation: Any) -> Any:
        """Await ``operation()``; an answer whose body was not JSON is a MalformedAnswer
        (ccxt hands such a body on as an empty answer: no orders, no trades)."""
        result = await operation()
        client = self._client
        if client is not None and client.last_json_response is None and client.last_http_response:
            raise MalformedAnswer("the answer is not JSON")
        return result

    def _log_failure(self, what: str, error: BaseException, delay: float) -> None:
        """Log a failed try; for a malformed answer, with an excerpt of it (redacted)."""
        log_retry(what, error, delay)
        if isinstance(error, MALFORMED_ANSWER_ERRORS) and self._client is not None:
            body = " ".join(str(self._client.last_http_response or "").split())
            excerpt = body[:MALFORMED_EXCERPT] + ("..." if len(body) > MALFORMED_EXCERPT else "")
            if self._credentials is not None:
                excerpt = self._credentials.redact(excerpt)
            logger.warning("%s: malformed answer: %r", what, excerpt)

    def _describe(self, exc: BaseException) -> str:
        text = describe(exc)
        return self._credentials.redact(text) if self._credentials else text

    def _order(self, raw: dict[str, Any], *, client_order_id: str | None = None) -> BrokerOrder:
        symbol = raw["symbol"]
        sign = Decimal(-1) if raw.get("side") == "sell" else Decimal(1)
        fee = raw.get("fee") or {}
        timestamp = raw.get("timestamp")
        return BrokerOrder(
            id=f"{symbol}#{raw['id']}",
            client_order_id=raw.get("clientOrderId") or client_order_id or "",
            symbol=symbol,
            amount=sign * _decimal(raw.get("amount") or 0),
            filled=sign * _decimal(raw.get("filled") or 0),
            average_price=None if not raw.get("average") else _decimal(raw["average"]),
            commission=_decimal(fee.get("cost") or 0),
            status=_STATUSES.get(raw.get("status") or "open", OrderStatus.OPEN),
            created=pd.Timestamp(timestamp, unit="ms", tz="UTC")
            if timestamp
            else pd.Timestamp.now(tz="UTC"),
            limit_price=None
            if raw.get("type") == "market" or not raw.get("price")
            else _decimal(raw["price"]),
        )


class _NotPlaced(Exception):
    """A submission whose answer was lost, and which the exchange confirms it does not have:
    safe to send again."""


def _retryable() -> tuple[type[Exception], ...]:
    from rustybt_ccxt.retries import retryable_errors

    return retryable_errors()


def _cause(error: BaseException) -> BaseException:
    return error.__cause__ if isinstance(error, _NotPlaced) and error.__cause__ else error


def _ccxt() -> Any:
    import ccxt

    return ccxt


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _split_order_id(order_id: str) -> tuple[str | None, str]:
    symbol, separator, exchange_id = order_id.rpartition("#")
    return (symbol, exchange_id) if separator and symbol and exchange_id else (None, order_id)
