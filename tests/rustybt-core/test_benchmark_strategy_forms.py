"""The benchmark's user-style crossover trades the same in each way a user writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rustybt.backtest import run_backtest
from rustybt.benchmarks.backtest_throughput import BacktestThroughput
from rustybt.benchmarks.synthetic_bars import synthetic_symbols
from rustybt.benchmarks.user_strategy import user_strategy_source, write_user_strategy


def run(row: BacktestThroughput, strategy: Path):
    assert row.run_sessions is not None
    return run_backtest(
        strategy,
        start=row.run_sessions[0],
        end=row.run_sessions[-1],
        capital_base=1_000_000,
        source="files",
        data_dir=row.data_dir,
    )


@pytest.mark.parametrize("assets", [1, 3])
def test_the_pandas_and_numpy_forms_place_the_same_orders(tmp_path: Path, assets: int) -> None:
    row = BacktestThroughput(assets=assets, sessions=300, frequency="daily", description="")
    row.setup(tmp_path)
    names = synthetic_symbols(assets)
    pandas_form = run(row, write_user_strategy(tmp_path / "pandas.py", names, "1d", "pandas"))
    numpy_form = run(row, write_user_strategy(tmp_path / "numpy.py", names, "1d", "numpy"))

    assert len(pandas_form.transactions) > 4
    assert pandas_form.transactions == numpy_form.transactions
    assert pandas_form.frame["portfolio_value"].equals(numpy_form.frame["portfolio_value"])


def test_one_asset_is_written_as_a_series_and_several_as_a_frame() -> None:
    one = user_strategy_source(["SYN0001"], "1d", "pandas")
    several = user_strategy_source(["SYN0001", "SYN0002"], "1m", "pandas")
    assert 'data.history(context.asset, "close"' in one and "prices[-context.fast :]" in one
    assert "fast[asset] > slow[asset]" in several and "FREQUENCY = '1m'" in several
    assert "np.asarray" in user_strategy_source(["SYN0001"], "1d", "numpy")
