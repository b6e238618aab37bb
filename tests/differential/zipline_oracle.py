"""Runs strategies under zipline-reloaded, the oracle, and writes what each did as JSON.

This file runs in the oracle's own environment (zipline-reloaded and its pinned pandas and
numpy; RustyBT is not installed there), started by the differential tests:

    python zipline_oracle.py DATA_DIR DATA_START START END OUT_DIR \
        [--benchmark=SYMBOL=RETURNS.csv] [--pay-on-ex-date] [MODE=]STRATEGY.py [...]

``DATA_DIR`` is a csvdir folder (``daily/SYMBOL.csv``) of bars from DATA_START, ingested
once into a bundle under ``OUT_DIR/zipline-root`` (its ``split`` and ``dividend`` columns read
by csvdir itself). csvdir leaves the dividends without a pay date, and zipline never pays
those; ``--pay-on-ex-date`` ingests them paid on their ex-dates. ``--benchmark`` names an
asset and a file of its daily returns (``date``, ``return``). Each strategy runs with a
benchmark ``MODE``: ``returns`` (the file's returns as ``benchmark_returns``), ``asset``
(``set_benchmark`` of the asset before the strategy's ``initialize``) or ``none``, the
default (zipline's zero benchmark).

For each strategy, ``OUT_DIR/<name>.json`` holds its transactions (symbol, amount, dt,
price, commission), each session's portfolio value and closing positions (symbol, amount,
cost basis, last sale price), and the perf frame (its index, each column's dtype, the other
columns' values (NaN where zipline has None; recorded text as strings), and the benchmark
returns its metrics used), or the error it raised.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import pandas as pd

BUNDLE = "rustybt-differential"
CAPITAL = 100_000
OBJECT_COLUMNS = ("orders", "transactions", "positions", "period_label")
TIME_COLUMNS = ("period_open", "period_close")


class PayOnExDate:
    """The bundle's adjustment writer, writing each dividend with its ex-date as pay date."""

    def __init__(self, writer):
        self.writer = writer

    def write(self, splits=None, mergers=None, dividends=None, stock_dividends=None):
        if dividends is not None and not dividends.empty:
            dividends = dividends.assign(pay_date=dividends["ex_date"])
        self.writer.write(
            splits=splits, mergers=mergers, dividends=dividends, stock_dividends=stock_dividends
        )


def ingest(data_dir: Path, start: pd.Timestamp, end: pd.Timestamp, pay_on_ex_date: bool) -> None:
    from zipline.data import bundles
    from zipline.data.bundles.csvdir import csvdir_equities

    csvdir = csvdir_equities(["daily"], str(data_dir))

    def paying_on_ex_date(environ, assets, minutes, daily, adjustments, *rest):
        csvdir(environ, assets, minutes, daily, PayOnExDate(adjustments), *rest)

    bundles.register(
        BUNDLE,
        paying_on_ex_date if pay_on_ex_date else csvdir,
        calendar_name="XNYS",
        start_session=start,
        end_session=end,
    )
    marker = Path(os.environ["ZIPLINE_ROOT"]) / "ingested"
    if not marker.exists():
        bundles.ingest(BUNDLE, os.environ, show_progress=False)
        marker.touch()


def run(
    strategy: Path,
    start: pd.Timestamp,
    end: pd.Timestamp,
    mode: str,
    benchmark: tuple[str, Path] | None,
) -> dict:
    from zipline import run_algorithm
    from zipline.api import set_benchmark, symbol

    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    exec(compile(strategy.read_text(), str(strategy), "exec"), namespace)
    strategy_initialize, strategy_analyze = namespace["initialize"], namespace.get("analyze")
    used: dict = {}

    def initialize(context):
        if mode == "asset":
            set_benchmark(symbol(benchmark[0]))
        strategy_initialize(context)

    def analyze(context, perf):
        # The benchmark returns zipline's metrics used are not in the frame; its tracker
        # still holds them while analyze runs.
        sessions = context.sim_params.sessions
        source = context.metrics_tracker._benchmark_source
        used["benchmark"] = source.daily_returns(sessions[0], sessions[-1]).tolist()
        if strategy_analyze is not None:
            strategy_analyze(context, perf)

    perf = run_algorithm(
        start=start,
        end=end,
        initialize=initialize,
        handle_data=namespace.get("handle_data"),
        before_trading_start=namespace.get("before_trading_start"),
        analyze=analyze,
        capital_base=namespace.get("CAPITAL_BASE", CAPITAL),
        data_frequency="daily",
        bundle=BUNDLE,
        benchmark_returns=read_returns(benchmark[1]) if mode == "returns" else None,
    )
    transactions = [
        {
            "symbol": t["sid"].symbol,
            "amount": int(t["amount"]),
            "dt": pd.Timestamp(t["dt"]).isoformat(),
            "price": float(t["price"]),
            "commission": None if t["commission"] is None else float(t["commission"]),
        }
        for day in perf["transactions"]
        for t in day
    ]
    return {
        "transactions": transactions,
        "portfolio_value": {
            pd.Timestamp(k).strftime("%Y-%m-%d"): float(v)
            for k, v in perf["portfolio_value"].items()
        },
        "positions": {
            pd.Timestamp(day).strftime("%Y-%m-%d"): [
                {
                    "symbol": p["sid"].symbol,
                    "amount": int(p["amount"]),
                    "cost_basis": float(p["cost_basis"]),
                    "last_sale_price": float(p["last_sale_price"]),
                }
                for p in held
            ]
            for day, held in perf["positions"].items()
        },
        "perf": perf_frame(perf, used["benchmark"]),
    }


def read_returns(path: Path) -> pd.Series:
    """Daily returns by tz-naive date: zipline matches them to its session labels so."""
    return pd.read_csv(path, index_col="date", parse_dates=True)["return"]


def column_values(column: pd.Series) -> list:
    """A column's values as JSON: floats (NaN where zipline has None), or, for a recorded
    text variable, its strings (None where it has none)."""
    if any(isinstance(value, str) for value in column):
        return [value if isinstance(value, str) else None for value in column]
    return pd.to_numeric(column, errors="coerce").astype("float64").tolist()


def perf_frame(perf: pd.DataFrame, benchmark_returns: list[float]) -> dict:
    """The frame as JSON: index, dtypes, and every column but the lists of dicts."""
    numeric = [c for c in perf.columns if c not in OBJECT_COLUMNS + TIME_COLUMNS]
    return {
        "index": [t.isoformat() for t in perf.index],
        "index_name": perf.index.name,
        "dtypes": {str(c): str(t) for c, t in perf.dtypes.items()},
        "values": {str(c): column_values(perf[c]) for c in numeric},
        "times": {c: [t.isoformat() for t in perf[c]] for c in TIME_COLUMNS},
        "period_label": perf["period_label"].tolist(),
        "benchmark_returns": benchmark_returns,
    }


def main(argv: list[str]) -> None:
    data_dir, data_start, start, end, out_dir, *rest = argv
    out = Path(out_dir)
    os.environ["ZIPLINE_ROOT"] = str(out / "zipline-root")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    benchmark = None
    if rest and rest[0].startswith("--benchmark="):
        symbol, returns_file = rest.pop(0).removeprefix("--benchmark=").split("=", 1)
        benchmark = (symbol, Path(returns_file))
    pay_on_ex_date = bool(rest) and rest[0] == "--pay-on-ex-date"
    ingest(Path(data_dir), pd.Timestamp(data_start), last, pay_on_ex_date)
    rest = rest[pay_on_ex_date:]
    for argument in rest:
        mode, _, path = argument.rpartition("=")
        strategy = Path(path)
        try:
            result = run(strategy, first, last, mode or "none", benchmark)
        except Exception as exc:  # the oracle's own refusal is a result too
            result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        # Written whole or not at all: the tests take a present file as a cached answer.
        partial = out / f"{strategy.stem}.json.partial"
        partial.write_text(json.dumps(result))
        partial.replace(out / f"{strategy.stem}.json")


if __name__ == "__main__":
    main(sys.argv[1:])
