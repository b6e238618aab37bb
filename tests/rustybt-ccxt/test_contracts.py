"""The ccxt source and broker pass core's contract suites against the fake exchange."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rustybt.testing import BrokerContract, DataSourceContract
from rustybt_ccxt.broker import CcxtBroker
from rustybt_ccxt.source import CcxtDataSource

pytestmark = pytest.mark.filterwarnings("error")


class TestCcxtSource(DataSourceContract):
    source_name = "ccxt"
    symbols = ("BTC/USDT", "ETH/USDT")
    start, end = "2024-01-01", "2024-03-31"
    unknown_symbol = "NOPE/USDT"

    @pytest.fixture
    def data_source(self, fake_exchange) -> CcxtDataSource:
        return CcxtDataSource("binance")


class TestCcxtBroker(BrokerContract):
    broker_name = "ccxt"
    symbol = "BTC/USDT"
    resting_limit_price = Decimal("25000")
    order_amount = Decimal("0.001")
    quote_currency = "USDT"
    unknown_symbol = "NOPE/USDT"

    @pytest.fixture
    def broker_under_test(self, fake_exchange) -> CcxtBroker:
        return CcxtBroker("binance", testnet=True)
