#!/usr/bin/env python3
"""Build the sample daily bars embedded in ``rustybt-core``.

The ``sample`` data source ships real daily bars inside the package so that RustyBT
works with no network. This script builds them from two permissively licensed PyPI
wheels and is run by hand, never at install time:

* ``bokeh-sampledata``: ``bokeh_sampledata/_data/stocks.csv.gz``, Quandl WIKI Prices
  (public domain) for AAPL, MSFT, GOOG and IBM, 2000-2013 (FB is in the file too and is
  left out). Open/high/low/close/volume are unadjusted and come with the source's
  split- and dividend-adjusted close.
* ``arch``: ``arch/data/sp500/sp500.csv.gz``, the S&P 500 index 1999-2018 (arch is under
  the NCSA licence), stored as ``^GSPC``.

The bars are stored raw, as they traded (prices rounded to 4 decimals, volume to whole
shares), with the symbols' corporate actions beside them, derived from where the adjustment
factor ``adj_close / close`` changes from one session to the next (the ratio
``factor[t - 1] / factor[t]`` that the provider applied to every bar before session ``t``):

* a **split** where ``1 / ratio`` is a simple fraction (numerator and denominator up to
  10) to 1 part in 10,000: ``value`` = that fraction (2.0 for a 2-for-1 split);
* a **dividend** for any other change of more than 1 part in 100,000 (the factor's
  precision): ``value`` = ``(1 - ratio) * close of the session before``, rounded to cents,
  paid on its ex-date (the source has no pay dates). The provider's adjusted close is
  not exact, so an amount can differ from the declared one by a few cents.

``--adjustment adjusted`` runs on the raw bars back-adjusted with these actions.

Every row is checked against the bar rules twice, on the source values and again after
adjustment and rounding; each violation is handled by an explicit, counted fix:

* a missing value in open/high/low/close/adj_close/volume: the row is dropped;
* a price or adjusted close <= 0 (no valid adjustment factor): the row is dropped;
* a negative volume: the row is dropped;
* timestamps out of order within a symbol: the symbol's rows are sorted;
* a repeated timestamp within a symbol: an identical repeat is dropped, a conflicting
  one stops the build (there is no way to tell which bar is real);
* ``high < max(open, close)``: high is raised to ``max(open, close)``;
* ``low > min(open, close)``: low is lowered to ``min(open, close)``.

Outputs, in ``rustybt-core/src/rustybt/data/sample/``, each written atomically:

* ``daily_bars.parquet``: the canonical bar schema (UTC session dates at 00:00, symbol,
  float64 OHLCV), sorted by symbol then timestamp, zstd-compressed;
* ``actions.parquet``: the corporate actions (symbol, ex_date, kind ``split`` or
  ``dividend``, value, pay_date), sorted by symbol, ex-date and kind;
* ``provenance.json``: per symbol its source package and version, file, provider,
  licence, date range, row count, splits and dividends, and every fix with its count
  (zero counts included, so each check that ran is visible); plus the Parquet files'
  SHA-256 and the build date.

Usage (in a throwaway virtual environment, not the project's)::

    python3 -m venv /tmp/sampledata-venv
    /tmp/sampledata-venv/bin/pip install bokeh-sampledata arch pandas pyarrow
    /tmp/sampledata-venv/bin/python scripts/build_sample_data.py
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO_ROOT / "rustybt-core" / "src" / "rustybt" / "data" / "sample"
PARQUET_PATH = OUTPUT_DIR / "daily_bars.parquet"
ACTIONS_PATH = OUTPUT_DIR / "actions.parquet"
PROVENANCE_PATH = OUTPUT_DIR / "provenance.json"
BUILD_SCRIPT = "scripts/build_sample_data.py"

PRICE_DECIMALS = 4
VOLUME_DECIMALS = 0
DIVIDEND_DECIMALS = 2
SPLIT_TOLERANCE = 1e-4
"""How close ``1 / ratio`` must be to a simple fraction, relatively, to be a split."""
FACTOR_PRECISION = 1e-5
"""Relative changes of the adjustment factor below this are the factor's rounding."""
LARGEST_SPLIT_TERM = 10
PRICES = ["open", "high", "low", "close"]
RAW_VALUES = [*PRICES, "adj_close", "volume"]

BAR_SCHEMA = pa.schema(
    [
        pa.field("timestamp", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("open", pa.float64(), nullable=False),
        pa.field("high", pa.float64(), nullable=False),
        pa.field("low", pa.float64(), nullable=False),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("volume", pa.float64(), nullable=False),
    ]
)
"""Must equal ``rustybt.data.schema.BAR_SCHEMA`` (copied: this script runs outside the project)."""

ACTIONS_SCHEMA = pa.schema(
    [
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("ex_date", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("pay_date", pa.timestamp("ns", tz="UTC"), nullable=True),
    ]
)
"""Must equal ``rustybt.data.actions.ACTIONS_SCHEMA`` (copied, as ``BAR_SCHEMA``)."""


@dataclass(frozen=True)
class Source:
    """One CSV inside an installed wheel, and what is known about where its data came from."""

    distribution: str
    member: str
    provider: str
    licence: str
    read: Callable[[Path], pd.DataFrame]
    """Reads the CSV into columns symbol, date (naive), open..close, adj_close, volume."""
    symbols: tuple[str, ...]
    """The symbols taken from the file, named as in the file and in the sample data."""
    provider_symbols: dict[str, str]
    """Symbols the original provider filed under another code."""


def read_bokeh_stocks(path: Path) -> pd.DataFrame:
    """Ticker,Date(YYYY-MM-DD),Open,High,Low,Close,Volume,Adj Close; all tickers in one file."""
    raw = pd.read_csv(path)
    return pd.DataFrame(
        {
            "symbol": raw["Ticker"].astype(str),
            "date": pd.to_datetime(raw["Date"], format="%Y-%m-%d"),
            "open": raw["Open"],
            "high": raw["High"],
            "low": raw["Low"],
            "close": raw["Close"],
            "adj_close": raw["Adj Close"],
            "volume": raw["Volume"],
        }
    )


def read_arch_sp500(path: Path) -> pd.DataFrame:
    """Date(M/D/YYYY),Open,High,Low,Close,Adj Close,Volume; the S&P 500 index only."""
    raw = pd.read_csv(path)
    return pd.DataFrame(
        {
            "symbol": "^GSPC",
            "date": pd.to_datetime(raw["Date"], format="%m/%d/%Y"),
            "open": raw["Open"],
            "high": raw["High"],
            "low": raw["Low"],
            "close": raw["Close"],
            "adj_close": raw["Adj Close"],
            "volume": raw["Volume"],
        }
    )


SOURCES = [
    Source(
        distribution="bokeh-sampledata",
        member="bokeh_sampledata/_data/stocks.csv.gz",
        provider=(
            "Quandl WIKI Prices (archived copy supplied by marketneutral on Kaggle), "
            "per the wheel's licenses/datasets.json"
        ),
        licence=(
            "Public domain (Quandl WIKI data; recorded in the wheel's licenses/datasets.json); "
            "bokeh-sampledata's own code is BSD-3-Clause"
        ),
        read=read_bokeh_stocks,
        symbols=("AAPL", "GOOG", "IBM", "MSFT"),
        provider_symbols={"GOOG": "GOOGL"},
    ),
    Source(
        distribution="arch",
        member="arch/data/sp500/sp500.csv.gz",
        provider=(
            "Not named in the arch wheel; its layout (Date,Open,High,Low,Close,Adj Close,Volume) "
            "is that of a Yahoo Finance historical export (inferred, not stated). The index is "
            "calculated by S&P Dow Jones Indices"
        ),
        licence=(
            "NCSA (the arch package licence, LICENSE.md; the wheel states no separate data licence)"
        ),
        read=read_arch_sp500,
        symbols=("^GSPC",),
        provider_symbols={},
    ),
]


@dataclass(frozen=True)
class Fix:
    """A rule violation found at one stage and what was done about it."""

    stage: str
    rule: str
    action: str


def installed_file(distribution: str, member: str) -> tuple[Path, str, str]:
    """``member`` of the installed ``distribution``, the distribution's version, the file's SHA-256.

    The file's SHA-256 must match the one in the wheel's RECORD, so the data is exactly
    what the wheel shipped.
    """
    dist = importlib.metadata.distribution(distribution)
    entry = next((f for f in dist.files or [] if str(f) == member), None)
    if entry is None or entry.hash is None or entry.hash.mode != "sha256":
        raise SystemExit(f"{distribution} {dist.version}: {member} has no sha256 in its RECORD")
    path = Path(str(dist.locate_file(entry)))
    digest = hashlib.sha256(path.read_bytes()).digest()
    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry.hash.value:
        raise SystemExit(f"{path}: contents differ from {distribution} {dist.version}'s RECORD")
    return path, dist.version, digest.hex()


def enforce_bar_rules(
    bars: pd.DataFrame, stage: str, values: list[str], fixes: Counter[Fix]
) -> pd.DataFrame:
    """``bars`` of one symbol made to satisfy the bar rules; every check is counted in ``fixes``.

    ``values`` are the numeric columns that must be present and non-negative; the prices
    among them must be positive. A check that finds nothing is recorded with count 0.
    """

    def count(rule: str, action: str, rows: int) -> None:
        fixes[Fix(stage, rule, action)] += rows

    priced = [column for column in values if column != "volume"]
    for rule, violating in [
        (f"no missing {'/'.join(values)}", bars[values].isna().any(axis=1)),
        (f"{'/'.join(priced)} > 0", (bars[priced] <= 0).any(axis=1)),
        ("volume >= 0", bars["volume"] < 0),
    ]:
        count(rule, "row dropped", int(violating.sum()))
        bars = bars.loc[~violating.reindex(bars.index)]

    out_of_order = int((bars["date"].diff() < pd.Timedelta(0)).sum())
    count("timestamps sorted", "rows sorted by timestamp", out_of_order)
    bars = bars.sort_values("date", kind="stable")

    distinct = bars.drop_duplicates()
    clashing = distinct["date"].duplicated(keep=False)
    if clashing.any():
        dates = ", ".join(sorted(distinct.loc[clashing, "date"].dt.date.astype(str).unique()))
        raise SystemExit(f"{bars['symbol'].iat[0]}: different bars for the same date: {dates}")
    count("timestamps unique", "identical repeated row dropped", len(bars) - len(distinct))
    bars = distinct

    top = np.maximum(bars["open"], bars["close"])
    bottom = np.minimum(bars["open"], bars["close"])
    high_too_low, low_too_high = bars["high"] < top, bars["low"] > bottom
    count("high >= max(open, close)", "high raised to max(open, close)", int(high_too_low.sum()))
    count("low <= min(open, close)", "low lowered to min(open, close)", int(low_too_high.sum()))
    return bars.assign(
        high=bars["high"].where(~high_too_low, top), low=bars["low"].where(~low_too_high, bottom)
    )


def round_bars(bars: pd.DataFrame) -> pd.DataFrame:
    """Raw bars in the canonical columns, prices and volume rounded."""
    return pd.DataFrame(
        {
            "symbol": bars["symbol"],
            "date": bars["date"],
            **{column: bars[column].round(PRICE_DECIMALS) for column in PRICES},
            "volume": bars["volume"].round(VOLUME_DECIMALS),
        }
    )


def split_value(ratio: float) -> float | None:
    """New shares per old share when the price ratio ``ratio`` is a split's (``1 / ratio``
    a simple fraction), else None."""
    shares = 1.0 / ratio
    for denominator in range(1, LARGEST_SPLIT_TERM + 1):
        numerator = round(shares * denominator)
        simple = 1 <= numerator <= LARGEST_SPLIT_TERM and numerator != denominator
        if simple and abs(numerator / denominator - shares) <= SPLIT_TOLERANCE * shares:
            return numerator / denominator
    return None


def derive_actions(bars: pd.DataFrame) -> pd.DataFrame:
    """One symbol's splits and dividends (``ACTIONS_SCHEMA`` columns), from the sessions
    where its adjustment factor changes (see the module's docstring)."""
    factor = (bars["adj_close"] / bars["close"]).to_numpy()
    closes = bars["close"].to_numpy()
    rows = []
    for t in range(1, len(bars)):
        ratio = factor[t - 1] / factor[t]
        if abs(ratio - 1.0) <= FACTOR_PRECISION:
            continue
        split = split_value(ratio)
        kind, value = ("split", split) if split is not None else ("dividend", None)
        if value is None:
            value = round((1.0 - ratio) * closes[t - 1], DIVIDEND_DECIMALS)
        if value <= 0:
            raise SystemExit(
                f"{bars['symbol'].iat[0]} {bars['date'].iat[t].date()}: the adjustment factor "
                f"rises by {1 / ratio:.6f}, which is neither a split nor a dividend"
            )
        rows.append((bars["symbol"].iat[t], bars["date"].iat[t], kind, float(value)))
    return pd.DataFrame(rows, columns=["symbol", "date", "kind", "value"])


def actions_table(actions: pd.DataFrame) -> pa.Table:
    """The canonical actions table: ex-dates at 00:00 UTC, no pay dates (paid on the
    ex-date), sorted by symbol, ex-date and kind."""
    actions = actions.sort_values(["symbol", "date", "kind"], kind="stable")
    ex_dates = pd.to_datetime(actions["date"]).dt.tz_localize("UTC")
    frame = pd.DataFrame(
        {
            "symbol": actions["symbol"].astype(str),
            "ex_date": ex_dates.astype("datetime64[ns, UTC]"),
            "kind": actions["kind"].astype(str),
            "value": actions["value"].astype("float64"),
            "pay_date": pd.Series(pd.NaT, index=actions.index, dtype="datetime64[ns, UTC]"),
        }
    )
    table = pa.Table.from_pandas(frame, schema=ACTIONS_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)


def largest_adjusted_difference(bars: pd.DataFrame, actions: pd.DataFrame) -> float:
    """How far, relatively, the closes back-adjusted with ``actions`` (as of the last bar)
    are from the provider's adjusted closes rescaled to the same last bar: the error the
    derived dividend amounts bring."""
    factors = np.ones(len(bars))
    closes = bars["close"].to_numpy()
    dates = bars["date"].to_numpy()
    for date, kind, value in zip(actions["date"], actions["kind"], actions["value"], strict=True):
        t = int(np.searchsorted(dates, np.datetime64(date)))
        factors[:t] *= 1.0 / value if kind == "split" else 1.0 - value / closes[t - 1]
    provider = (bars["adj_close"] / bars["adj_close"].iat[-1] * closes[-1]).to_numpy()
    return float(np.max(np.abs(closes * factors / provider - 1.0)))


def build_symbol(
    bars: pd.DataFrame, fixes: Counter[Fix]
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """One symbol's source rows as validated, rounded, re-validated raw bars; its actions;
    and how far the bars back-adjusted with them are from the provider's adjusted closes."""
    bars = enforce_bar_rules(bars, "source values", RAW_VALUES, fixes)
    actions = derive_actions(bars)
    difference = largest_adjusted_difference(bars, actions)
    rounded = enforce_bar_rules(round_bars(bars), "after rounding", [*PRICES, "volume"], fixes)
    return rounded, actions, difference


def to_table(bars: pd.DataFrame) -> pa.Table:
    """The canonical bar table: session dates at 00:00 UTC, sorted by symbol then timestamp."""
    bars = bars.sort_values(["symbol", "date"], kind="stable")
    frame = pd.DataFrame(
        {
            "timestamp": bars["date"].dt.tz_localize("UTC").astype("datetime64[ns, UTC]"),
            "symbol": bars["symbol"].astype(str),
            **{column: bars[column].astype("float64") for column in [*PRICES, "volume"]},
        }
    )
    table = pa.Table.from_pandas(frame, schema=BAR_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then move it into place."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    os.close(descriptor)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only; package data is world-readable
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write ``table`` with zstd and a dictionary-encoded symbol column, and check it reads back."""
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=["symbol"])
    written = pq.read_table(path)
    if not written.schema.equals(table.schema) or not written.equals(table):
        raise SystemExit(
            f"{path}: the written file does not read back as the table that was written"
        )


def symbol_provenance(
    source: Source,
    version: str,
    file_sha256: str,
    symbol: str,
    bars: pd.DataFrame,
    actions: pd.DataFrame,
    difference: float,
    fixes: Counter[Fix],
) -> dict[str, object]:
    """The provenance entry of one symbol."""
    kinds = actions["kind"].value_counts()
    return {
        "source_package": source.distribution,
        "source_package_version": version,
        "source_file": source.member,
        "source_file_sha256": file_sha256,
        "provider_symbol": source.provider_symbols.get(symbol, symbol),
        "original_provider": source.provider,
        "licence": source.licence,
        "first_date": bars["date"].min().date().isoformat(),
        "last_date": bars["date"].max().date().isoformat(),
        "rows": len(bars),
        "splits": [
            {"ex_date": date.date().isoformat(), "new_shares_per_old": value}
            for date, value in zip(
                actions.loc[actions["kind"] == "split", "date"],
                actions.loc[actions["kind"] == "split", "value"],
                strict=True,
            )
        ],
        "dividends": int(kinds.get("dividend", 0)),
        "largest_relative_difference_to_provider_adjusted_close": float(f"{difference:.3g}"),
        "fixes": [
            {"stage": fix.stage, "rule": fix.rule, "action": fix.action, "rows": count}
            for fix, count in fixes.items()
        ],
    }


def summary_line(
    symbol: str, bars: pd.DataFrame, actions: pd.DataFrame, fixes: Counter[Fix]
) -> str:
    """One symbol's date range, row count, actions and the fixes that changed something."""
    applied = "; ".join(f"{fix.rule} ({fix.stage}): {n}" for fix, n in fixes.items() if n)
    first, last = (stamp.date().isoformat() for stamp in (bars["date"].min(), bars["date"].max()))
    kinds = actions["kind"].value_counts()
    return (
        f"  {symbol:6} {first} .. {last}  {len(bars):5} rows  "
        f"{kinds.get('split', 0)} splits, {kinds.get('dividend', 0)} dividends  "
        f"fixes: {applied or 'none'}"
    )


def main() -> None:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    built: list[pd.DataFrame] = []
    derived: list[pd.DataFrame] = []
    symbols: dict[str, dict[str, object]] = {}
    summary: list[str] = []
    for source in SOURCES:
        path, version, digest = installed_file(source.distribution, source.member)
        print(f"reading {source.distribution} {version}: {source.member}")
        raw = source.read(path)
        for symbol in source.symbols:
            fixes: Counter[Fix] = Counter()
            bars, actions, difference = build_symbol(raw.loc[raw["symbol"] == symbol], fixes)
            if bars.empty:
                raise SystemExit(f"{source.member}: no usable rows for {symbol}")
            built.append(bars)
            derived.append(actions)
            symbols[symbol] = symbol_provenance(
                source, version, digest, symbol, bars, actions, difference, fixes
            )
            summary.append(summary_line(symbol, bars, actions, fixes))

    table = to_table(pd.concat(built, ignore_index=True))
    actions = actions_table(pd.concat(derived, ignore_index=True))
    write_atomically(PARQUET_PATH, lambda temporary: write_parquet(table, temporary))
    write_atomically(ACTIONS_PATH, lambda temporary: write_parquet(actions, temporary))
    size = PARQUET_PATH.stat().st_size
    provenance = {
        "file": PARQUET_PATH.name,
        "sha256": hashlib.sha256(PARQUET_PATH.read_bytes()).hexdigest(),
        "size_bytes": size,
        "rows": table.num_rows,
        "actions_file": ACTIONS_PATH.name,
        "actions_sha256": hashlib.sha256(ACTIONS_PATH.read_bytes()).hexdigest(),
        "actions_rows": actions.num_rows,
        "build_script": BUILD_SCRIPT,
        "build_date": dt.datetime.now(dt.UTC).date().isoformat(),
        "build_environment": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "pyarrow": pa.__version__,
        },
        "adjustment": (
            "none: the bars are raw, as traded. The actions are derived from the changes of "
            "factor = adj_close / close between sessions: a split where the inverse ratio is "
            f"a fraction of terms up to {LARGEST_SPLIT_TERM} within {SPLIT_TOLERANCE:g} "
            "relative, else a dividend of (1 - ratio) x the previous close rounded to cents, "
            "paid on its ex-date. The provider's adjusted close is inexact, so a dividend can "
            "differ from the declared amount by a few cents."
        ),
        "rounding": f"prices to {PRICE_DECIMALS} decimals, volume to whole shares",
        "symbols": symbols,
    }
    text = json.dumps(provenance, indent=2, ensure_ascii=False) + "\n"
    write_atomically(
        PROVENANCE_PATH, lambda temporary: temporary.write_text(text, encoding="utf-8")
    )

    print(f"wrote {PARQUET_PATH.relative_to(REPO_ROOT)}: {table.num_rows} rows, {size:,} bytes")
    print(f"wrote {ACTIONS_PATH.relative_to(REPO_ROOT)}: {actions.num_rows} actions")
    print("\n".join(summary))
    print(f"wrote {PROVENANCE_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
