"""Runs strategies under zipline-reloaded, the oracle, and writes what each did as JSON.

This file runs in the oracle's own environment (zipline-reloaded and its pinned pandas and
numpy; RustyBT is not installed there), started by the differential tests:

    python zipline_oracle.py DATA_DIR DATA_START START END OUT_DIR STRATEGY.py [...]

``DATA_DIR`` is a csvdir folder (``daily/SYMBOL.csv``) of bars from DATA_START, ingested
once into a bundle under ``OUT_DIR/zipline-root``. For each strategy, ``OUT_DIR/<name>.json``
holds its transactions (symbol, amount, dt, price, commission) and each session's portfolio
value, or the error it raised.
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


def ingest(data_dir: Path, start: pd.Timestamp, end: pd.Timestamp) -> None:
    from zipline.data import bundles
    from zipline.data.bundles.csvdir import csvdir_equities

    bundles.register(
        BUNDLE,
        csvdir_equities(["daily"], str(data_dir)),
        calendar_name="XNYS",
        start_session=start,
        end_session=end,
    )
    marker = Path(os.environ["ZIPLINE_ROOT"]) / "ingested"
    if not marker.exists():
        bundles.ingest(BUNDLE, os.environ, show_progress=False)
        marker.touch()


def run(strategy: Path, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    from zipline import run_algorithm

    namespace: dict = {"__file__": str(strategy), "__name__": strategy.stem}
    exec(compile(strategy.read_text(), str(strategy), "exec"), namespace)
    sessions = pd.date_range(start, end, freq="B", tz="UTC")
    perf = run_algorithm(
        start=start,
        end=end,
        initialize=namespace["initialize"],
        handle_data=namespace.get("handle_data"),
        before_trading_start=namespace.get("before_trading_start"),
        analyze=namespace.get("analyze"),
        capital_base=namespace.get("CAPITAL_BASE", CAPITAL),
        data_frequency="daily",
        bundle=BUNDLE,
        benchmark_returns=pd.Series(0.0, index=sessions),
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
    }


def main(argv: list[str]) -> None:
    data_dir, data_start, start, end, out_dir, *strategies = argv
    out = Path(out_dir)
    os.environ["ZIPLINE_ROOT"] = str(out / "zipline-root")
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    ingest(Path(data_dir), pd.Timestamp(data_start), last)
    for strategy in map(Path, strategies):
        try:
            result = run(strategy, first, last)
        except Exception as exc:  # the oracle's own refusal is a result too
            result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
        # Written whole or not at all: the tests take a present file as a cached answer.
        partial = out / f"{strategy.stem}.json.partial"
        partial.write_text(json.dumps(result))
        partial.replace(out / f"{strategy.stem}.json")


if __name__ == "__main__":
    main(sys.argv[1:])
