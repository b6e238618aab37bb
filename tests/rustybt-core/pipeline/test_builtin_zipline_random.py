"""Every built-in factor's ``compute`` against zipline-reloaded's on random windows with
missing values, constant columns and all-missing columns.

Runs only where zipline-reloaded is installed (``RUSTYBT_ZIPLINE_PYTHON`` or the repository's
``.nox/zipline-oracle``): the same windows go to zipline's own classes in that interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rustybt.assets import Asset
from rustybt.pipeline import factors
from rustybt.pipeline.data import EquityPricing
from rustybt.pipeline.term import NotSpecified

ORACLE = Path(
    os.environ.get(
        "RUSTYBT_ZIPLINE_PYTHON",
        Path(__file__).resolve().parents[3] / ".nox" / "zipline-oracle" / "bin" / "python",
    )
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ORACLE.exists(), reason="zipline-reloaded oracle not installed"),
]

ZIPLINE_SIDE = """
import json, sys
import numpy as np
import zipline.pipeline.factors as zf
from zipline.assets import Equity, ExchangeInfo
from zipline.pipeline.data import EquityPricing as EP
from zipline.pipeline.sentinels import NotSpecified

target = Equity(0, ExchangeInfo("NYSE", "NYSE", "US"), symbol="T")
columns = [EP.close, EP.volume, EP.high]
results = []
for factor, kind, keywords, windows in json.load(sys.stdin):
    cls = getattr(zf, factor)
    if kind == "target":
        term = cls(target=target, **keywords)
    elif kind.startswith("from_"):
        term = getattr(cls, kind)(inputs=[EP.close], **keywords)
    elif kind == "generic":
        term = cls(inputs=columns[: len(windows)], **keywords)
    else:
        term = cls(**keywords)
    windows = [np.array(w, dtype=float) for w in windows]
    width = windows[0].shape[1]
    if term.outputs is NotSpecified:
        out = np.full(width, np.nan)
    else:
        out = term._allocate_output(None, (width,))
    with np.errstate(all="ignore"):
        term.compute(None, np.arange(width), out, *windows, **term.params)
    if term.outputs is NotSpecified:
        results.append(out.tolist())
    else:
        results.append({name: out[name].tolist() for name in term.outputs})
json.dump(results, sys.stdout)
"""

WIDTH = 7


def prices(rng: np.random.Generator, rows: int, missing: bool = True) -> np.ndarray:
    """A random walk per asset: column 5 constant, column 6 all missing (when ``missing``),
    and about 15% of the other values missing."""
    walk = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (rows, WIDTH)), axis=0))
    walk[:, 5] = 42.0
    if missing:
        walk[rng.random((rows, WIDTH)) < 0.15] = np.nan
        walk[:, 6] = np.nan
    return walk


def returns(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Random daily returns with about 10% missing."""
    values = rng.normal(0, 0.02, (rows, WIDTH))
    values[rng.random((rows, WIDTH)) < 0.1] = np.nan
    return values


def cases() -> list[tuple[str, str, dict[str, Any], list[np.ndarray]]]:
    """(factor, how it is built, keywords, windows) over a few seeds and window lengths."""
    found = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for rows in (2, 5, 30):
            close = prices(rng, rows)
            volume = np.where(np.isnan(close), 0.0, rng.integers(0, 10_000, close.shape))
            high = close * 1.02
            low = close * 0.97
            full = prices(rng, rows, missing=False)
            target = rng.normal(0, 0.02, (rows, 1))
            window = {"window_length": rows}
            found += [
                ("SimpleMovingAverage", "generic", window, [close]),
                ("Returns", "default", window, [close]),
                ("PercentChange", "generic", window, [close - 50]),
                ("AverageDollarVolume", "default", window, [close, volume]),
                ("VWAP", "default", window, [close, volume]),
                ("MaxDrawdown", "generic", window, [close]),
                ("LinearWeightedMovingAverage", "generic", window, [close]),
                ("AnnualizedVolatility", "default", window, [returns(rng, rows)]),
                ("RSI", "default", window, [close]),
                ("BollingerBands", "default", {**window, "k": 1.5}, [close]),
                ("FastStochasticOscillator", "default", window, [close, low, high]),
                ("RateOfChangePercentage", "generic", window, [close]),
                ("Aroon", "default", window, [full * 0.97, full * 1.02]),
                (
                    "ExponentialWeightedMovingAverage",
                    "generic",
                    {**window, "decay_rate": 0.9},
                    [close],
                ),
                (
                    "ExponentialWeightedMovingStdDev",
                    "generic",
                    {**window, "decay_rate": 0.6},
                    [full],
                ),
                ("ExponentialWeightedMovingAverage", "from_span", {**window, "span": 7}, [full]),
                (
                    "ExponentialWeightedMovingStdDev",
                    "from_halflife",
                    {**window, "halflife": 4},
                    [full],
                ),
                (
                    "ExponentialWeightedMovingAverage",
                    "from_center_of_mass",
                    {**window, "center_of_mass": 3},
                    [full],
                ),
            ]
            if rows == 2:
                found.append(("TrueRange", "default", {}, [high, low, close]))
            if rows >= 3:
                betas = {"regression_length": rows, "allowed_missing_percentage": 0.3}
                found.append(("SimpleBeta", "target", betas, [returns(rng, rows), target]))
                correlation = {"returns_length": 2, "correlation_length": rows}
                pair = [returns(rng, rows), target]
                found.append(("RollingPearsonOfReturns", "target", correlation, pair))
                found.append(("RollingSpearmanOfReturns", "target", correlation, pair))
                regression = {"returns_length": 2, "regression_length": rows}
                found.append(("RollingLinearRegressionOfReturns", "target", regression, pair))
            if rows == 30:
                ichimoku = {
                    "window_length": 30,
                    "tenkan_sen_length": 7,
                    "kijun_sen_length": 0,
                    "chikou_span_length": 12,
                }
                found.append(("IchimokuKinkoHyo", "default", ichimoku, [high, low, close]))
                macd = {"fast_period": 8, "slow_period": 20, "signal_period": 11}
                found.append(("MACDSignal", "default", macd, [full]))
    return found


def ours(factor: str, kind: str, keywords: dict[str, Any], windows: list[np.ndarray]) -> Any:
    """Our factor built the same way, computed on ``windows``."""
    cls = getattr(factors, factor)
    if kind == "target":
        term = cls(target=Asset(symbol="T", sid=0), **keywords)
    elif kind.startswith("from_"):
        term = getattr(cls, kind)(inputs=[EquityPricing.close], **keywords)
    elif kind == "generic":
        columns = [EquityPricing.close, EquityPricing.volume, EquityPricing.high]
        term = cls(inputs=columns[: len(windows)], **keywords)
    else:
        term = cls(**keywords)
    width = windows[0].shape[1]
    if term.outputs is NotSpecified:
        out: Any = np.full(width, np.nan)
    else:
        out = np.rec.fromarrays([np.full(width, np.nan)] * len(term.outputs), names=term.outputs)
    with np.errstate(all="raise"):
        term.compute(None, np.arange(width), out, *windows, **term.params)
    return out


def test_builtins_match_zipline_on_random_windows() -> None:
    found = cases()
    payload = [[f, k, kw, [w.tolist() for w in ws]] for f, k, kw, ws in found]
    answer = subprocess.run(
        [str(ORACLE), "-c", ZIPLINE_SIDE],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    expected = json.loads(answer.stdout)
    assert len(expected) == len(found)
    for (factor, kind, keywords, windows), theirs in zip(found, expected, strict=True):
        mine = ours(factor, kind, keywords, windows)
        where = f"{factor} {kind} {keywords}"
        if isinstance(theirs, dict):
            for name, values in theirs.items():
                np.testing.assert_allclose(
                    mine[name], values, rtol=1e-12, atol=1e-15, err_msg=f"{where} {name}"
                )
        else:
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15, err_msg=where)
