"""Bad command lines: unknown commands and options, missing or malformed arguments, dates
outside the data or the calendar, impossible numbers, and misused benchmark, plugins and
test-data commands."""

from __future__ import annotations

import json

from bad_input_corpus import STRATEGY, Case

RUN = ["run", "-f", "s.py"]
SPAN = ["--start", "2010-01-04", "--end", "2010-01-29"]
WITH_STRATEGY = {"s.py": STRATEGY}
REPORT = json.dumps(
    {
        "benchmarks": [
            {"name": "x", "metrics": {"m": {"median": 1, "unit": "s", "higher_is_better": False}}}
        ]
    }
)
"""A valid benchmark report of one metric, to compare a broken one with."""


def run_case(name: str, options: list[str], message: str, exit_code: int = 1) -> Case:
    """``rustybt run`` of a valid strategy with ``options`` (after -f s.py)."""
    return Case(
        name=f"run: {name}",
        args=[*RUN, *options],
        files=WITH_STRATEGY,
        message=message,
        exit_code=exit_code,
    )


def capital_case(value: str, message: str) -> Case:
    """``rustybt run`` with ``--capital-base value``."""
    return run_case(f"capital base {value}", [*SPAN, "--capital-base", value], message)


def compare_case(name: str, baseline: str | bytes | None, message: str) -> Case:
    """``rustybt benchmark compare a.json b.json`` with ``baseline`` as a.json (None: no
    a.json) and a valid report as b.json."""
    files: dict[str, str | bytes] = {"b.json": REPORT}
    if baseline is not None:
        files["a.json"] = baseline
    return Case(
        name=f"benchmark compare: {name}",
        args=["benchmark", "compare", "a.json", "b.json"],
        files=files,
        message=message,
    )


CASES = [
    # -- the command line itself ----------------------------------------------------------
    Case(
        name="unknown command",
        args=["frobnicate"],
        exit_code=2,
        message=r"No such command 'frobnicate'",
    ),
    Case(name="no command", args=[], exit_code=2, message=r"no command given \(see 'rustybt -h'\)"),
    Case(
        name="unknown global option",
        args=["--bogus"],
        exit_code=2,
        message=r"No such option: --bogus",
    ),
    Case(
        name="run: no strategy file option",
        args=["run", *SPAN],
        exit_code=2,
        message=r"Missing option '--algofile' / '-f'",
    ),
    run_case("no end date", ["--start", "2010-01-04"], r"Missing option '--end'", 2),
    Case(
        name="run: -f without a value",
        args=["run", "-f"],
        exit_code=2,
        message=r"Option '-f' requires an argument",
    ),
    run_case("unknown option", [*SPAN, "--bogus"], r"No such option: --bogus", 2),
    run_case("extra argument", [*SPAN, "extra"], r"unexpected extra argument\(s\) \(extra\)", 2),
    run_case(
        "output format that does not exist",
        [*SPAN, "--output", "xml"],
        r"'xml' is not one of 'table', 'json'",
        2,
    ),
    run_case(
        "frequency that does not exist",
        [*SPAN, "--frequency", "weekly"],
        r"'weekly' is not one of 'daily', 'minute', '1d', '1m'",
        2,
    ),
    run_case(
        "log level that does not exist",
        [*SPAN, "--log-level", "LOUD"],
        r"Invalid value for '--log-level': .*'LOUD'",
        2,
    ),
    run_case(
        "output file that is a directory",
        [*SPAN, "-o", "."],
        r"'--output-file' / '-o': file '\.' is a directory",
        2,
    ),
    run_case(
        "output file in a missing directory",
        [*SPAN, "-o", "out/results.parquet"],
        r"cannot write out/results\.parquet: directory out does not exist",
    ),
    # -- dates ----------------------------------------------------------------------------
    run_case(
        "start date that does not exist",
        ["--start", "2010-13-45", "--end", "2010-12-31"],
        r"2010-13-45",
    ),
    run_case(
        "empty start date",
        ["--start", "", "--end", "2010-01-29"],
        r"start '' is not a date; use YYYY-MM-DD",
    ),
    run_case(
        "start date in words",
        ["--start", "yesterday", "--end", "2010-01-29"],
        r"start 'yesterday' is not a date .*; use YYYY-MM-DD",
    ),
    run_case(
        "start time with an hour of 25",
        ["--start", "2010-01-04T25:00", "--end", "2010-01-29"],
        r"start '2010-01-04T25:00' is not a date \(hour must be in 0\.\.23\)",
    ),
    run_case(
        "start as an epoch number",
        ["--start", "1262563200", "--end", "2010-01-29"],
        r"start '1262563200' is not a date",
    ),
    run_case(
        "end before start",
        ["--start", "2010-03-31", "--end", "2010-01-04"],
        r"end 2010-01-04 is before start 2010-03-31",
    ),
    run_case(
        "a weekend only",
        ["--start", "2010-01-09", "--end", "2010-01-10"],
        r"no XNYS sessions between 2010-01-09 and 2010-01-10",
    ),
    run_case(
        "start before the data",
        ["--start", "2000-01-01", "--end", "2010-01-29"],
        r"begins on 2000-03-01, after the backtest's start 2000-01-01: "
        r"start it on 2000-03-01 or later",
    ),
    run_case(
        "whole range before the data",
        ["--start", "1995-01-01", "--end", "1995-03-31"],
        r"no bars for AAPL in source 'sample' between 1995-01-01 and 1995-03-31 "
        r"\(it has 2000-03-01 to 2013-03-01\)",
    ),
    run_case(
        "end after the data",
        ["--start", "2013-02-01", "--end", "2013-06-28"],
        r"ends on 2013-03-01, before the backtest's end 2013-06-28: end it by 2013-03-01",
    ),
    run_case(
        "start before the calendar",
        ["--start", "1500-01-01", "--end", "2010-01-29"],
        r"the backtest's start 1500-01-01 is outside the XNYS calendar, which covers 1990-01-01 to",
    ),
    run_case(
        "end after the calendar",
        ["--start", "2010-01-04", "--end", "2200-01-01"],
        r"the backtest's end 2200-01-01 is outside the XNYS calendar",
    ),
    # -- numbers --------------------------------------------------------------------------
    capital_case("0", r"capital base must be positive, got 0"),
    capital_case("-5", r"capital base must be positive, got -5"),
    capital_case("nan", r"capital base must be a finite number, got 'nan'"),
    capital_case("inf", r"capital base must be a finite number, got 'inf'"),
    capital_case("1e400", r"capital base must be from 1e-8 to 1e\+15, got 1e400"),
    capital_case("1e-330", r"capital base must be from 1e-8 to 1e\+15, got 1e-330"),
    capital_case("abc", r"capital base must be a number, got 'abc'"),
    capital_case("1,000", r"capital base must be a number, got '1,000'"),
    # -- data sources and calendars -------------------------------------------------------
    run_case(
        "unknown source",
        [*SPAN, "--source", "nope"],
        r"no data source named 'nope' \(installed: .*sample",
    ),
    run_case(
        "files source without a directory",
        [*SPAN, "--source", "files"],
        r"source 'files' needs --data-dir DIR",
    ),
    run_case("unknown calendar", [*SPAN, "--calendar", "NOPE"], r"unknown trading calendar 'NOPE'"),
    run_case(
        "minute bars from a daily source",
        [*SPAN, "--frequency", "minute"],
        r"source 'sample' has 1d bars only, not 1m",
    ),
    run_case(
        "unknown extra symbol",
        [*SPAN, "--symbols", "ZZZZ"],
        r"unknown symbol 'ZZZZ' in source 'sample' \(has: AAPL",
    ),
    run_case(
        "exchange for a source without exchanges",
        [*SPAN, "--exchange", "binance"],
        r"data source 'sample' does not take --exchange",
    ),
    # -- benchmark ------------------------------------------------------------------------
    Case(
        name="benchmark: repeat 0",
        args=["benchmark", "--repeat", "0"],
        exit_code=2,
        message=r"Invalid value for '--repeat'",
    ),
    Case(
        name="benchmark: repeat 1000",
        args=["benchmark", "--repeat", "1000"],
        exit_code=2,
        message=r"'--repeat': .*less than or equal to 100",
    ),
    Case(
        name="benchmark: scale 0",
        args=["benchmark", "--scale", "0"],
        exit_code=2,
        message=r"Invalid value for '--scale'",
    ),
    Case(
        name="benchmark: scale nan",
        args=["benchmark", "--scale", "nan"],
        exit_code=2,
        message=r"Invalid value for '--scale'",
    ),
    Case(
        name="benchmark: suite that matches nothing",
        args=["benchmark", "--suite", "nope"],
        message=r"no benchmark matches nope",
    ),
    Case(
        name="benchmark: empty suite",
        args=["benchmark", "--suite", ""],
        exit_code=2,
        message=r"'--suite': an empty name matches every benchmark",
    ),
    Case(
        name="benchmark: save to a directory",
        args=["benchmark", "--save", "."],
        exit_code=2,
        message=r"'--save': file '\.' is a directory",
    ),
    Case(
        name="benchmark: unknown subcommand",
        args=["benchmark", "nope"],
        exit_code=2,
        message=r"No such command 'nope'",
    ),
    Case(
        name="benchmark compare: one report only",
        args=["benchmark", "compare", "a.json"],
        exit_code=2,
        message=r"Missing argument 'current'",
    ),
    compare_case("baseline that does not exist", None, r"benchmark report a\.json does not exist"),
    compare_case(
        "baseline that is not JSON",
        "not json",
        r"a\.json is not a rustybt benchmark report \(it is not JSON text\)",
    ),
    compare_case(
        "baseline that is not UTF-8",
        b"\xff\xfe",
        r"a\.json is not a rustybt benchmark report \(it is not JSON text\)",
    ),
    compare_case(
        "JSON without benchmarks",
        "{}",
        r"a\.json is not a rustybt benchmark report \(no list of benchmarks\)",
    ),
    compare_case(
        "benchmark without a name", '{"benchmarks": [5]}', r"\(benchmarks\[0\] has no name\)"
    ),
    compare_case(
        "metric without a median",
        '{"benchmarks": [{"name": "x", "metrics": {"m": {}}}]}',
        r"benchmarks\[0\] metric 'm' has no numeric median",
    ),
    compare_case(
        "metric without a direction",
        '{"benchmarks": [{"name": "x", "metrics": {"m": {"median": 1, "unit": "s"}}}]}',
        r"metric 'm' does not say whether higher is better",
    ),
    Case(
        name="benchmark compare: baseline that is a directory",
        args=["benchmark", "compare", "d", "b.json"],
        files={"d/.keep": "", "b.json": REPORT},
        message=r"benchmark report d is a directory",
    ),
    Case(
        name="benchmark compare: negative threshold",
        args=["benchmark", "compare", "b.json", "b.json", "--threshold", "-1"],
        files={"b.json": REPORT},
        exit_code=2,
        message=r"Invalid value for '--threshold'",
    ),
    Case(
        name="benchmark compare: infinite threshold",
        args=["benchmark", "compare", "b.json", "b.json", "--threshold", "inf"],
        files={"b.json": REPORT},
        exit_code=2,
        message=r"'--threshold': .*less than or equal to 10",
    ),
    # -- plugins and test-data ------------------------------------------------------------
    Case(
        name="plugins: extra argument",
        args=["plugins", "extra"],
        exit_code=2,
        message=r"unexpected extra argument",
    ),
    Case(
        name="plugins: output format that does not exist",
        args=["plugins", "--output", "xml"],
        exit_code=2,
        message=r"'xml' is not one of",
    ),
    Case(
        name="plugins: --json with --output table",
        args=["plugins", "--json", "--output", "table"],
        exit_code=2,
        message=r"'--json': --json asks for --output json; give one of them",
    ),
    Case(
        name="test-data: no symbol",
        args=["test-data"],
        exit_code=2,
        message=r"Missing option '--symbol' / '-s'",
    ),
    Case(
        name="test-data: unknown symbol",
        args=["test-data", "-s", "ZZZ"],
        message=r"unknown symbol 'ZZZ' in source 'sample'",
    ),
    Case(
        name="test-data: unknown source",
        args=["test-data", "-s", "AAPL", "--source", "nope"],
        message=r"no data source named 'nope'",
    ),
    Case(
        name="test-data: end before start",
        args=["test-data", "-s", "AAPL", "--start", "2012-01-02", "--end", "2010-01-04"],
        message=r"end 2010-01-04 is before start 2012-01-02",
    ),
    Case(
        name="test-data: dates without bars",
        args=["test-data", "-s", "AAPL", "--start", "1995-01-03", "--end", "1995-06-30"],
        message=r"no bars for AAPL in source 'sample' between 1995-01-03 and 1995-06-30",
    ),
    Case(
        name="test-data: missing data directory",
        args=["test-data", "-s", "AAPL", "--source", "files", "--data-dir", "nowhere"],
        message=r"data directory nowhere does not exist",
    ),
]
