"""The backtest report's rolling beta, positions and price-with-fills charts, from the
results file `rustybt run -o` writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rustybt.analytics import risk
from rustybt.report import results_from_frame
from rustybt.report.figures import most_traded, position_values

REPO = Path(__file__).resolve().parents[2]
SMA_CROSSOVER = REPO / "examples" / "sma_crossover.py"


@pytest.fixture(scope="module")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SMA crossover's results file over 2005-2008 (it trades AAPL only)."""
    results = tmp_path_factory.mktemp("charts") / "results.parquet"
    run = ("run", "-f", str(SMA_CROSSOVER), "--start", "2005-01-03", "--end", "2008-12-31")
    completed = subprocess.run(
        [sys.executable, "-m", "rustybt", *run, "-o", str(results)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return results


def chart(page: str, chart_id: str) -> dict:
    """The figure of ``chart_id`` on ``page``, as the page's script reads it."""
    pattern = rf'data-chart="{chart_id}">(.*?)</script>'
    return json.loads(re.search(pattern, page, re.S).group(1))


def report(rustybt, results: Path, *options: str) -> str:
    page = results.with_name("report.html")
    outcome = rustybt("report", str(results), "-o", str(page), *options)
    assert outcome.exit_code == 0, outcome.stderr
    return page.read_text(encoding="utf-8")


def test_rolling_beta_is_empyricals_over_each_126_session_window(
    rustybt, results_file: Path, tmp_path: Path
) -> None:
    frame = pd.read_parquet(results_file)
    # A benchmark that moves: half the strategy's return plus a wobble of its own.
    wobble = 0.004 * np.sin(np.arange(len(frame)))
    benchmark = 0.5 * frame["returns"].to_numpy() + wobble
    frame["benchmark_period_return"] = np.cumprod(1.0 + benchmark) - 1.0
    moved = tmp_path / "results.parquet"
    frame.to_parquet(moved)

    beta = chart(report(rustybt, moved), "chart-rolling-beta")["data"][0]

    expected = risk.roll_beta(frame["returns"].to_numpy(), benchmark, 126)
    assert beta["y"][:125] == [None] * 125
    assert beta["y"][125:] == pytest.approx(expected.tolist(), rel=1e-9)
    assert beta["x"][125] == f"{frame.index[125]:%Y-%m-%d}"


def test_rolling_beta_against_the_default_flat_benchmark_says_it_is_undefined(
    rustybt, results_file: Path
) -> None:
    figure = chart(report(rustybt, results_file), "chart-rolling-beta")
    assert set(figure["data"][0]["y"]) == {None}
    assert figure["layout"]["annotations"][0]["text"].startswith("Beta is undefined")


def test_positions_show_the_value_held_at_each_close(rustybt, results_file: Path) -> None:
    frame = pd.read_parquet(results_file)
    [aapl] = chart(report(rustybt, results_file), "chart-positions")["data"]
    held = [json.loads(cell) for cell in frame["positions"]]
    expected = [
        sum(p["amount"] * p["last_sale_price"] for p in cell if p["symbol"] == "AAPL")
        for cell in held
    ]
    assert aapl["name"] == "AAPL" and aapl["stackgroup"] == "positions"
    assert aapl["y"] == pytest.approx(expected)
    assert 0.0 in aapl["y"]  # the crossover is flat between its trades


def test_the_price_chart_shows_the_most_traded_asset_with_every_fill(
    rustybt, results_file: Path
) -> None:
    frame = pd.read_parquet(results_file)
    page = report(rustybt, results_file)
    line, buys, sells = chart(page, "chart-price-fills")["data"]
    fills = [fill for cell in frame["transactions"] for fill in json.loads(cell)]
    assert "<h2>Price of AAPL and its fills</h2>" in page
    assert buys["y"] == pytest.approx([f["price"] for f in fills if f["amount"] > 0])
    assert sells["y"] == pytest.approx([f["price"] for f in fills if f["amount"] < 0])
    assert len(buys["y"]) + len(sells["y"]) == len(fills)
    assert buys["x"][0] == fills[0]["dt"][:10]
    assert buys["marker"]["symbol"] == "triangle-up"
    # The line is the position's last sale price, broken where the run held no AAPL.
    last_sale = [
        next((p["last_sale_price"] for p in json.loads(cell) if p["symbol"] == "AAPL"), None)
        for cell in frame["positions"]
    ]
    assert line["y"] == last_sale


def test_an_asset_the_run_never_touched_is_one_line(rustybt, results_file, tmp_path) -> None:
    target = tmp_path / "report.html"
    outcome = rustybt("report", str(results_file), "-o", str(target), "--asset", "MSFT")
    assert outcome.exit_code == 1
    assert outcome.stderr.strip() == (
        "error: asset MSFT is not in the run: it never traded nor held it; give one it did (AAPL)"
    )
    assert not target.exists()


@pytest.mark.parametrize("option", ["--x", "--y", "--objective"])
def test_a_sweep_option_on_a_results_file_is_a_usage_error(
    rustybt, results_file: Path, tmp_path: Path, option: str
) -> None:
    outcome = rustybt("report", str(results_file), "-o", str(tmp_path / "r.html"), option, "a")
    assert outcome.exit_code == 2
    assert f"is not a sweep table; {option} applies to a sweep's table" in outcome.stderr
    assert not (tmp_path / "r.html").exists()


def two_asset_results() -> pd.DataFrame:
    """Three sessions: MSFT bought, then AAPL bought, then MSFT sold short; two fills
    each."""
    closes = pd.DatetimeIndex(
        ["2020-01-02 21:00", "2020-01-03 21:00", "2020-01-06 21:00"], tz="UTC"
    )

    def fill(symbol: str, amount: int, price: float) -> dict:
        return {"symbol": symbol, "amount": amount, "price": price, "dt": "2020-01-02 21:00"}

    def held(symbol: str, amount: int, price: float) -> dict:
        return {"symbol": symbol, "amount": amount, "last_sale_price": price}

    return pd.DataFrame(
        {
            "portfolio_value": [1000.0, 1000.0, 1000.0],
            "returns": [0.0, 0.0, 0.0],
            "starting_cash": [1000.0, 0.0, 0.0],
            "algorithm_period_return": [0.0, 0.0, 0.0],
            "benchmark_period_return": [0.0, 0.0, 0.0],
            "gross_leverage": [0.0, 0.0, 0.0],
            "net_leverage": [0.0, 0.0, 0.0],
            "transactions": [
                json.dumps([fill("MSFT", 2, 10.0), fill("AAPL", 1, 5.0)]),
                json.dumps([fill("AAPL", 1, 6.0)]),
                json.dumps([fill("MSFT", -5, 11.0)]),
            ],
            "positions": [
                json.dumps([held("MSFT", 2, 10.5), held("AAPL", 1, 5.0)]),
                json.dumps([held("MSFT", 2, 10.0), held("AAPL", 2, 6.0)]),
                json.dumps([held("MSFT", -3, 11.0), held("AAPL", 2, 7.0)]),
            ],
        },
        index=closes,
    )


def test_positions_stack_each_asset_and_shorts_count_negative() -> None:
    values = position_values(results_from_frame(two_asset_results()))
    assert list(values.columns) == ["MSFT", "AAPL"]  # largest value held first
    assert values["MSFT"].tolist() == [21.0, 20.0, -33.0]
    assert values["AAPL"].tolist() == [5.0, 12.0, 14.0]


def test_the_most_traded_asset_breaks_ties_alphabetically() -> None:
    assert most_traded(results_from_frame(two_asset_results())) == "AAPL"
