"""The ``ccxt`` broker: spot orders on a real exchange through ``ccxt.async_support``.

An :class:`rustybt.broker.AsyncBroker`: the engine wraps it with
:func:`rustybt.broker.as_sync_broker`, which runs it on one event loop for its whole life.

Orders are checked before they are sent: the amount is truncated to the market's amount
precision and a limit price rounded to its price precision, then the market's minimum
amount and minimum notional (amount x price; the last price for a market order) must hold.
Every order carries our client order id (Binance's ``newClientOrderId``). A submission
that fails with a network error is looked up by that id before it is tried again, so an
order the exchange accepted but whose answer was lost is found, never placed twice.

Order ids are ``<symbol>#<exchange order id>``: exchanges such as Binance need the symbol
to look an order up or cancel it, and the id carries it across restarts.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd
from rustybt.broker import Balance, BrokerFill, BrokerOrder, OrderRequest
from rustybt.errors import BrokerError
from rustybt.finance.order import OrderStatus

from rustybt_ccxt.client import new_client
from rustybt_ccxt.credentials import Credentials, load_credentials
from rustybt_ccxt.error_messages import MALFORMED_ANSWER_ERRORS, describe, plain
from rustybt_ccxt.log_redaction import RedactCredentials, redact_ccxt_logs, stop_redacting
from rustybt_ccxt.retries import (
    RetriesExhaustedError,
    RetryPolicy,
    log_retry,
    retryable_errors,
    with_retries,
)

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

        Raises :class:`BrokerError` naming the client order id when it was used before,
        the symbol is unknown, a market rule (precision, minimum amount or notional) fails,
        the exchange rejects the order, or it cannot be placed after the retries.
        """
        client = self._connected()
        cid = request.client_order_id
        if cid in self._used_client_ids:
            raise BrokerError(f"client order id '{cid}' was already used: order not sent")
        if request.stop_price is not None:
            raise BrokerError(f"order '{cid}': the ccxt broker places market and limit orders only")
        amount, price = await self._checked(request)
        self._used_client_ids[cid] = request.symbol
        side = "buy" if request.amount > 0 else "sell"
        order_type = "market" if price is None else "limit"
        delays = self.retry.delays()
        while True:
            try:
                raw = await client.create_order(
                    request.symbol,
                    order_type,
                    side,
                    float(amount),
                    None if price is None else float(price),
                    {"clientOrderId": cid},
                )
                return self._order(raw, client_order_id=cid)
            except retryable_errors() as exc:
                # The exchange may have accepted the order before the answer was lost.
                placed = await self._lookup(request.symbol, cid)
                if placed is not None:
                    return placed
                delay = next(delays, None)
                if delay is None:
                    raise BrokerError(
                        f"order '{cid}' was not placed: {self.exchange} unreachable after "
                        f"{self.retry.attempts} attempts ({self._describe(exc)})"
                    ) from None
                log_retry(f"{self.exchange} order '{cid}'", exc, delay)
                await asyncio.sleep(delay)
            except (_ccxt().BaseError, *MALFORMED_ANSWER_ERRORS) as exc:
                raise BrokerError(
                    f"{self.exchange} rejected order '{cid}' ({request.symbol}): "
                    f"{self._describe(exc)}"
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
        self, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> BrokerOrder | None:
        """The order with this id or client order id, or None if the exchange has none."""
        if order_id is not None:
            symbol, exchange_id = _split_order_id(order_id)
            if symbol is None:
                return None
            return await self._fetch_order(symbol, exchange_id, None)
        if client_order_id is None:
            return None
        symbol = self._used_client_ids.get(client_order_id)
        if symbol is not None:
            return await self._fetch_order(symbol, None, client_order_id)
        # Placed by an earlier session: only open orders can be found without the symbol.
        return next(
            (o for o in await self.open_orders() if o.client_order_id == client_order_id), None
        )

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
        fills = []
        for trade in trades:
            sign = Decimal(-1) if trade.get("side") == "sell" else Decimal(1)
            fills.append(
                BrokerFill(
                    fill_id=str(trade["id"]),
                    order_id=order_id,
                    client_order_id=client_order_id,
                    symbol=symbol,
                    amount=sign * _decimal(trade["amount"]),
                    price=_decimal(trade["price"]),
                    commission=_decimal((trade.get("fee") or {}).get("cost") or 0),
                    dt=pd.Timestamp(trade["timestamp"], unit="ms", tz="UTC"),
                )
            )
        return sorted(fills, key=lambda fill: fill.dt)

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
        """The order placed under ``client_order_id``, or None if the exchange has none.

        Raises :class:`BrokerError` when even the lookup cannot get through: the order's
        fate is then unknown, and sending it again could place it twice.
        """
        try:
            return await self._fetch_order(symbol, None, client_order_id)
        except BrokerError as exc:
            raise BrokerError(
                f"order '{client_order_id}' may or may not have been placed on "
                f"{self.exchange}; not sent again ({exc}). Check open orders before retrying."
            ) from None

    async def _call(
        self, operation: Any, what: str, *, passthrough: tuple[type[Exception], ...] = ()
    ) -> Any:
        """Await ``operation()`` with retries; ccxt errors become one-line BrokerErrors."""
        ccxt = _ccxt()
        try:
            return await with_retries(operation, self.retry, what=f"{self.exchange} {what}")
        except passthrough:
            raise
        except RetriesExhaustedError as exc:
            raise BrokerError(
                f"{self.exchange} unreachable while {what} after {exc.attempts} attempts "
                f"({self._describe(exc.last)})"
            ) from None
        except (ccxt.AuthenticationError, ccxt.PermissionDenied) as exc:
            raise BrokerError(
                f"{self.exchange} rejected the API credentials while {what} "
                f"({self._describe(exc)}); check the key, secret and their permissions"
            ) from None
        except ccxt.BaseError as exc:
            raise BrokerError(f"{self.exchange} refused {what}: {self._describe(exc)}") from None
        except MALFORMED_ANSWER_ERRORS as exc:
            raise BrokerError(
                f"{self.exchange} sent a malformed answer while {what} ({self._describe(exc)})"
            ) from None

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


def _ccxt() -> Any:
    import ccxt

    return ccxt


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _split_order_id(order_id: str) -> tuple[str | None, str]:
    symbol, separator, exchange_id = order_id.rpartition("#")
    return (symbol, exchange_id) if separator and symbol and exchange_id else (None, order_id)
