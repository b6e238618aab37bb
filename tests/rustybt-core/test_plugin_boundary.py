"""What a plugin's factory returns is checked at the boundary, in one line naming the plugin
and its package; a third-party source's frames and broker's answers as they come in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rustybt import hookimpl
from rustybt.broker import (
    Balance,
    BrokerFill,
    BrokerOrder,
    OrderRequest,
    TradeHistory,
    as_sync_broker,
)
from rustybt.data.checked_source import CheckedSource
from rustybt.data.sample_source import SampleDataSource
from rustybt.data.source import SourceCapabilities
from rustybt.errors import DataError, PluginError
from rustybt.finance.order import OrderStatus
from rustybt.plugin_checks import check_product
from rustybt.plugins import Kind, PluginRegistry

HOOKS = {
    Kind.DATA_SOURCE: "rustybt_register_data_sources",
    Kind.BROKER: "rustybt_register_brokers",
    Kind.BENCHMARK: "rustybt_register_benchmarks",
    Kind.ALERT_CHANNEL: "rustybt_register_alert_channels",
    Kind.EXECUTOR: "rustybt_register_executors",
}

START, END = pd.Timestamp("2012-01-03", tz="UTC"), pd.Timestamp("2012-01-10", tz="UTC")


def plugin_of(kind: Kind, name: str, factory: Callable[..., Any]) -> object:
    """A plugin object registering ``factory`` as ``kind`` ``name``."""

    def register_all(register: Any) -> None:
        register(name, factory)

    register_all.__name__ = HOOKS[kind]
    return type("Plugin", (), {HOOKS[kind]: staticmethod(hookimpl(register_all))})()


def third_party(kind: Kind, name: str, factory: Callable[..., Any]) -> PluginRegistry:
    """A strict registry holding one plugin, ``my{name}`` of package ``my{name}-rustybt``."""
    registry = PluginRegistry(strict=True)
    registry.add_plugin(
        f"my{name}", plugin_of(kind, name, factory), distribution=f"my{name}-rustybt"
    )
    return registry


def refusal(registry: PluginRegistry, kind: Kind, name: str, **options: Any) -> str:
    with pytest.raises(PluginError) as caught:
        registry.create(kind, name, **options)
    return one_line(caught.value)


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message
    return message


class FrameSource:
    """A plugin's source whose ``fetch_bars`` returns ``frame``."""

    name = "frames"
    capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",))

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def fetch_bars(self, symbols: Any, start: Any, end: Any, frequency: str) -> Any:
        return self.frame

    def latest_bars(self, symbols: Any, frequency: str) -> Any:
        return self.frame


def sample_bars() -> pd.DataFrame:
    return SampleDataSource().fetch_bars(["AAPL"], START, END, "1d")


def test_a_factory_returning_a_dict_is_refused_naming_plugin_package_and_what_it_lacks() -> None:
    registry = third_party(Kind.DATA_SOURCE, "csv", lambda: {"name": "csv"})
    assert refusal(registry, Kind.DATA_SOURCE, "csv") == (
        "plugin mycsv (package mycsv-rustybt): data source 'csv' is a dict, not a data "
        "source: it lacks name, capabilities, fetch_bars, latest_bars; "
        "see docs/hooks.md#data-sources"
    )


def test_a_source_missing_a_method_is_refused() -> None:
    class NoLatest:
        name = "nolatest"
        capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("1d",))

        def fetch_bars(self, symbols: Any, start: Any, end: Any, frequency: str) -> Any:
            return sample_bars()

    registry = third_party(Kind.DATA_SOURCE, "nolatest", NoLatest)
    assert refusal(registry, Kind.DATA_SOURCE, "nolatest") == (
        "plugin mynolatest (package mynolatest-rustybt): data source 'nolatest' (a NoLatest) "
        "lacks latest_bars; see docs/hooks.md#data-sources"
    )


def test_capabilities_must_be_source_capabilities_with_known_frequencies() -> None:
    class Daily(FrameSource):
        capabilities = SourceCapabilities(asset_classes=("equity",), frequencies=("daily",))

    class Plain(FrameSource):
        capabilities = ("1d",)  # type: ignore[assignment]

    daily = third_party(Kind.DATA_SOURCE, "daily", lambda: Daily(None))
    assert "unknown frequencies 'daily' in capabilities.frequencies; known: 1m, 5m" in (
        refusal(daily, Kind.DATA_SOURCE, "daily")
    )
    plain = third_party(Kind.DATA_SOURCE, "plain", lambda: Plain(None))
    assert "has capabilities tuple, not a rustybt.data.source.SourceCapabilities" in (
        refusal(plain, Kind.DATA_SOURCE, "plain")
    )


def test_a_frame_without_a_column_fails_at_the_boundary_naming_the_plugin() -> None:
    registry = third_party(
        Kind.DATA_SOURCE, "nosymbol", lambda: FrameSource(sample_bars().drop(columns="symbol"))
    )
    source = registry.data_source("nosymbol")
    with pytest.raises(PluginError) as caught:
        source.fetch_bars(["AAPL"], START, END, "1d")
    assert one_line(caught.value) == (
        "plugin mynosymbol (package mynosymbol-rustybt): data source 'frames' fetch_bars "
        "returned a frame that breaks the bar schema (in the header: missing column(s) "
        "symbol); see docs/hooks.md#data-sources"
    )


def test_naive_timestamps_fail_at_the_boundary() -> None:
    naive = sample_bars().assign(timestamp=lambda f: f["timestamp"].dt.tz_localize(None))
    source = third_party(Kind.DATA_SOURCE, "naive", lambda: FrameSource(naive)).data_source("naive")
    with pytest.raises(PluginError, match=r"^plugin mynaive \(package mynaive-rustybt\): "):
        source.latest_bars(["AAPL"], "1d")
    with pytest.raises(PluginError) as caught:
        source.fetch_bars(["AAPL"], START, END, "1d")
    assert (
        "data source 'frames' fetch_bars returned naive timestamps (no time zone); the "
        "timestamp column holds tz-aware UTC times" in one_line(caught.value)
    )


def test_bad_values_and_non_frames_are_named_too() -> None:
    broken = sample_bars()
    broken.loc[1, "high"] = 0.5
    cases = {
        "lowhigh": (broken, "(in bar 2: AAPL at 2012-01-04: high is below"),
        "listing": ([1, 2], "fetch_bars returned a list, not a pandas DataFrame"),
        "stamps": (broken.assign(timestamp="2020"), "a timestamp column of"),
    }
    for name, (frame, expected) in cases.items():
        source = third_party(Kind.DATA_SOURCE, name, lambda f=frame: FrameSource(f))
        with pytest.raises(PluginError) as caught:
            source.data_source(name).fetch_bars(["AAPL"], START, END, "1d")
        assert expected in one_line(caught.value)


def test_a_plugins_own_exception_names_the_plugin_and_a_data_error_passes_as_it_is() -> None:
    class Raising(FrameSource):
        def fetch_bars(self, symbols: Any, start: Any, end: Any, frequency: str) -> Any:
            if symbols == ["AAPL"]:
                raise KeyError("symbol")
            raise DataError("no such symbol: MSFT")

    source = third_party(Kind.DATA_SOURCE, "raising", lambda: Raising(None)).data_source("raising")
    with pytest.raises(PluginError) as caught:
        source.fetch_bars(["AAPL"], START, END, "1d")
    assert one_line(caught.value).startswith(
        "plugin myraising (package myraising-rustybt): data source 'frames' fetch_bars raised "
        "KeyError: 'symbol'; a source raises rustybt.errors.DataError"
    )
    with pytest.raises(DataError, match=r"^no such symbol: MSFT$"):
        source.fetch_bars(["MSFT"], START, END, "1d")


def test_a_checked_source_gives_the_same_bars_and_keeps_the_optional_members() -> None:
    source = third_party(Kind.DATA_SOURCE, "sample", SampleDataSource).data_source("sample")
    assert isinstance(source, CheckedSource)
    pd.testing.assert_frame_equal(
        source.fetch_bars(["AAPL", "MSFT"], START, END, "1d"),
        SampleDataSource().fetch_bars(["AAPL", "MSFT"], START, END, "1d"),
    )
    assert source.has_symbol("AAPL") and not source.has_symbol("NOPE")
    assert source.symbols == SampleDataSource().symbols
    actions = source.fetch_actions(["AAPL"], START, END + pd.Timedelta(days=400))
    assert list(actions.columns) == list(SampleDataSource().fetch_actions([], START, END).columns)
    assert getattr(source, "bar_columns", None) is None


def test_tz_aware_times_in_another_zone_come_out_in_utc() -> None:
    bars = sample_bars()
    eastern = bars.assign(timestamp=bars["timestamp"].dt.tz_convert("America/New_York"))
    source = third_party(Kind.DATA_SOURCE, "ny", lambda: FrameSource(eastern)).data_source("ny")
    pd.testing.assert_frame_equal(source.fetch_bars(["AAPL"], START, END, "1d"), bars)


def test_a_benchmark_without_description_is_refused() -> None:
    class Quiet:
        def setup(self, workdir: Path) -> None:
            pass

        def run(self) -> dict[str, Any]:
            return {}

    registry = third_party(Kind.BENCHMARK, "quiet", lambda scale=1.0: Quiet())
    assert refusal(registry, Kind.BENCHMARK, "quiet", scale=1.0) == (
        "plugin myquiet (package myquiet-rustybt): benchmark 'quiet' (a Quiet) lacks "
        "description; see docs/hooks.md#benchmarks"
    )


def test_an_alert_channel_without_send_is_refused() -> None:
    class Mute:
        def deliver(self, alert: Any) -> None:
            pass

    registry = third_party(Kind.ALERT_CHANNEL, "mute", Mute)
    assert refusal(registry, Kind.ALERT_CHANNEL, "mute") == (
        "plugin mymute (package mymute-rustybt): alert channel 'mute' is a Mute, not an "
        "alert channel: it lacks send; see docs/hooks.md#alert-channels"
    )


def test_an_executor_without_map_runs_is_refused() -> None:
    class Idle:
        name = "idle"

        def open(self, task: Any) -> None:
            pass

        def close(self) -> None:
            pass

    registry = third_party(Kind.EXECUTOR, "idle", Idle)
    assert refusal(registry, Kind.EXECUTOR, "idle") == (
        "plugin myidle (package myidle-rustybt): executor 'idle' (an Idle) lacks map_runs; "
        "see docs/hooks.md#executors"
    )


def test_our_builtins_pass_unwrapped(plugin_registry: PluginRegistry, tmp_path: Path) -> None:
    assert type(plugin_registry.data_source("sample")).__name__ == "SampleDataSource"
    assert type(plugin_registry.data_source("files", data_dir=tmp_path)).__name__ == (
        "FileDataSource"
    )
    assert plugin_registry.executor("local", jobs=1).name == "local"
    for name in plugin_registry.names(Kind.BENCHMARK):
        assert isinstance(plugin_registry.benchmark(name, scale=0.01).description, str)
    channel = plugin_registry.alert_channel("webhook", url="http://127.0.0.1:9/hook")
    assert callable(channel.send)


# -- brokers ------------------------------------------------------------------------------

NOW = pd.Timestamp("2024-01-02 15:00", tz="UTC")


class HonestBroker:
    """A plugin's broker in memory that answers as the protocol says, until told to lie."""

    name = "honest"

    def __init__(self) -> None:
        self.orders: dict[str, BrokerOrder] = {}
        self.lie: dict[str, Any] = {}

    def connect(self) -> None:
        pass

    def close(self) -> None:
        pass

    def balances(self) -> dict[str, Balance]:
        total = self.lie.get("cash", Decimal("1000"))
        return {"USD": Balance(currency="USD", total=total, free=total)}

    def positions(self) -> dict[str, Decimal]:
        return {"AAPL": Decimal(5)}

    def submit_order(self, request: OrderRequest) -> BrokerOrder:
        order = BrokerOrder(
            id=f"b{len(self.orders) + 1}",
            client_order_id=request.client_order_id,
            symbol=self.lie.get("symbol", request.symbol),
            amount=request.amount,
            filled=Decimal(0),
            average_price=None,
            commission=Decimal(0),
            status=OrderStatus.OPEN,
            created=NOW,
        )
        self.orders[order.id] = order
        return order

    def cancel_order(self, order_id: str) -> BrokerOrder:
        return self.orders[order_id]

    def get_order(self, *, order_id=None, client_order_id=None, symbol=None):
        return next(iter(self.orders.values()), None)

    def open_orders(self) -> list[BrokerOrder]:
        return list(self.orders.values())

    def order_fills(self, order_id: str) -> list[BrokerFill]:
        amount = self.lie.get("fill_amount", self.orders[order_id].amount)
        return [
            BrokerFill(
                fill_id="f1",
                order_id=order_id,
                client_order_id=self.orders[order_id].client_order_id,
                symbol="AAPL",
                amount=amount,
                price=Decimal("10"),
                commission=Decimal("0.1"),
                dt=NOW,
            )
        ]


class AsyncHonestBroker:
    """:class:`HonestBroker` as coroutines."""

    name = "honest-async"

    def __init__(self) -> None:
        self.inner = HonestBroker()

    async def connect(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def balances(self) -> dict[str, Balance]:
        return self.inner.balances()

    async def positions(self) -> dict[str, Decimal]:
        return self.inner.positions()

    async def submit_order(self, request: OrderRequest) -> BrokerOrder:
        return self.inner.submit_order(request)

    async def cancel_order(self, order_id: str) -> BrokerOrder:
        return self.inner.cancel_order(order_id)

    async def get_order(self, *, order_id=None, client_order_id=None, symbol=None):
        return self.inner.get_order(order_id=order_id)

    async def open_orders(self) -> list[BrokerOrder]:
        return self.inner.open_orders()

    async def order_fills(self, order_id: str) -> list[BrokerFill]:
        return self.inner.order_fills(order_id)


BUY = OrderRequest(client_order_id="o1", symbol="AAPL", amount=Decimal(3))


def checked(broker: Any) -> Any:
    return check_product(
        Kind.BROKER, broker.name, broker, plugin="mybroker", distribution="mybroker-rustybt"
    )


def test_honest_answers_pass_through_the_checks() -> None:
    broker = checked(HonestBroker())
    placed = broker.submit_order(BUY)
    assert placed.client_order_id == "o1"
    assert broker.order_fills(placed.id)[0].amount == Decimal(3)
    assert broker.balances()["USD"].total == Decimal(1000)
    assert broker.open_orders() == [placed]


def test_a_float_balance_is_refused_naming_the_plugin_and_method() -> None:
    plain = HonestBroker()
    plain.lie["cash"] = 1000.0
    with pytest.raises(PluginError) as caught:
        checked(plain).balances()
    assert one_line(caught.value) == (
        "plugin mybroker (package mybroker-rustybt): broker 'honest' balances() answered "
        "USD total as 1000.0 (float), not a Decimal (write Decimal(str(x))); "
        "see docs/hooks.md#brokers"
    )


def test_an_order_that_does_not_echo_its_request_is_refused() -> None:
    plain = HonestBroker()
    plain.lie["symbol"] = "MSFT"
    with pytest.raises(PluginError, match=r"submit_order\(\) answered order b1 with symbol "):
        checked(plain).submit_order(BUY)


def test_a_fill_against_its_orders_side_is_refused() -> None:
    plain = HonestBroker()
    broker = checked(plain)
    placed = broker.submit_order(BUY)
    plain.lie["fill_amount"] = Decimal(-3)
    with pytest.raises(PluginError, match="fill 'f1' of -3 for order b1, a buy"):
        broker.order_fills(placed.id)


def test_an_async_broker_stays_async_and_is_checked() -> None:
    plugin = AsyncHonestBroker()
    broker = checked(plugin)
    assert asyncio.iscoroutinefunction(broker.connect)
    plugin.inner.lie["cash"] = 5
    sync = as_sync_broker(broker)
    try:
        with pytest.raises(PluginError, match=r"USD total as 5 \(int\), not a Decimal"):
            sync.balances()
        assert sync.submit_order(BUY).id == "b1"
    finally:
        sync.close()


def test_a_broker_exception_that_is_no_rustybt_error_names_the_plugin() -> None:
    plain = HonestBroker()
    with pytest.raises(PluginError) as caught:
        checked(plain).cancel_order("nope")
    assert one_line(caught.value).startswith(
        "plugin mybroker (package mybroker-rustybt): broker 'honest' cancel_order() raised "
        "KeyError: 'nope'"
    )


def test_trade_history_and_extra_members_are_kept_and_history_fills_are_checked() -> None:
    class HistoryBroker(HonestBroker):
        def fills_since(self, symbol: str, *, after: Any, since: Any) -> list[BrokerFill]:
            return self.order_fills("b1")

        def test_order_request(self, symbol: str, client_order_id: str) -> OrderRequest:
            return BUY

    broker = checked(HistoryBroker())
    assert isinstance(broker, TradeHistory)
    assert broker.test_order_request("AAPL", "t1") is BUY
    broker.submit_order(BUY)
    assert broker.fills_since("AAPL", after=None, since=NOW)[0].fill_id == "f1"
    with pytest.raises(PluginError, match="fills_since\\(\\) answered fill 'f1' of 'AAPL' when"):
        broker.fills_since("MSFT", after=None, since=NOW)
    assert not isinstance(checked(HonestBroker()), TradeHistory)
