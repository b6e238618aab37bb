"""Bad trading input: configs for verify-config and paper-trade, state files that are not
ours, and wrong paper-trade / live-trade command lines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bad_input_corpus import STRATEGY, Case
from rustybt.live.journal import SCHEMA_VERSION, Journal

SEED = """\
broker:
  type: paper
  initial_capital: 100000.0
  commission: {type: per_share, cost: 0.001}
  slippage: {type: volume_share, volume_limit: 0.025, price_impact: 0.1}
data: {source: sample, frequency: daily}
logging: {level: INFO, heartbeat_interval: 3600}
risk: {max_order_value: 50000, max_position_fraction: 0.5, max_daily_loss: 5000}
"""
"""A valid paper config; each case changes one thing."""

PAPER = (
    *("paper-trade", "--strategy", "s.py", "--replay", "--start", "2010-01-04"),
    *("--end", "2010-03-31", "--state", "st.sqlite", "--log-file", "p.log"),
)
"""A valid replayed paper session over the sample data; each case adds or changes one thing."""

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def _seed_with(old: str, new: str) -> str:
    assert old in SEED, old
    return SEED.replace(old, new)


def _config_cases(name: str, text: str, message: str) -> list[Case]:
    """The same bad config, checked by verify-config and refused by paper-trade."""
    return [
        Case(
            name=f"verify-config: {name}",
            args=["verify-config", "--config", "c.yaml"],
            files={"c.yaml": text},
            message=message,
        ),
        Case(
            name=f"paper-trade config: {name}",
            args=[*PAPER, "--config", "c.yaml"],
            files={"c.yaml": text, "s.py": STRATEGY},
            message=message,
        ),
    ]


def _foreign_sqlite(directory: Path) -> None:
    with sqlite3.connect(directory / "st.sqlite") as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('buy milk')")
    db.close()


def _newer_state_file(directory: Path) -> None:
    Journal(directory / "st.sqlite").close()
    with sqlite3.connect(directory / "st.sqlite") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    for leftover in directory.glob("st.sqlite-*"):
        leftover.unlink()


CAPITAL = r"broker\.initial_capital: "
CASES = [
    *_config_cases(
        "infinite capital",
        _seed_with("100000.0", ".inf"),
        CAPITAL + r"expected a finite number, got inf \(line 3\)",
    ),
    *_config_cases(
        "NaN capital", _seed_with("100000.0", ".nan"), CAPITAL + "expected a finite number, got nan"
    ),
    *_config_cases(
        "capital 1e30",
        _seed_with("100000.0", "1e30"),
        CAPITAL + r"must be > 0 and ≤ 1,000,000,000,000, got 1E\+30",
    ),
    *_config_cases(
        "zero capital",
        _seed_with("100000.0", "0"),
        CAPITAL + "must be > 0 and ≤ 1,000,000,000,000, got 0",
    ),
    *_config_cases(
        "negative capital", _seed_with("100000.0", "-5"), CAPITAL + "must be > 0 .* got -5"
    ),
    *_config_cases(
        "capital is text", _seed_with("100000.0", "lots"), CAPITAL + "expected a number, got 'lots'"
    ),
    *_config_cases(
        "capital is a boolean",
        _seed_with("100000.0", "true"),
        CAPITAL + "expected a number, got True",
    ),
    *_config_cases(
        "max_order_value infinite",
        _seed_with("max_order_value: 50000", "max_order_value: .inf"),
        r"risk\.max_order_value: expected a finite number",
    ),
    *_config_cases(
        "max_position_fraction zero",
        _seed_with("max_position_fraction: 0.5", "max_position_fraction: 0"),
        r"risk\.max_position_fraction: must be > 0 and ≤ 100, got 0",
    ),
    *_config_cases(
        "max_daily_loss negative",
        _seed_with("max_daily_loss: 5000", "max_daily_loss: -1"),
        r"risk\.max_daily_loss: must be > 0",
    ),
    *_config_cases(
        "heartbeat zero",
        _seed_with("heartbeat_interval: 3600", "heartbeat_interval: 0"),
        r"logging\.heartbeat_interval: must be > 0 and ≤ 31,622,400, got 0",
    ),
    *_config_cases(
        "commission NaN",
        _seed_with("cost: 0.001", "cost: .nan"),
        r"broker\.commission\.cost: expected a finite number, got nan",
    ),
    *_config_cases(
        "slippage volume limit over 1",
        _seed_with("volume_limit: 0.025", "volume_limit: 5"),
        r"broker\.slippage\.volume_limit: must be > 0 and ≤ 1, got 5",
    ),
    *_config_cases(
        "misspelt key",
        _seed_with("initial_capital:", "initial_captial:"),
        r"broker\.initial_captial: unknown key; did you mean 'initial_capital'\?",
    ),
    *_config_cases(
        "misspelt section",
        _seed_with("risk:", "rsik:"),
        r"rsik: unknown key; did you mean 'risk'\?",
    ),
    *_config_cases(
        "alerts key misspelt",
        SEED + "alerts: {chanels: []}\n",
        r"alerts\.chanels: unknown key; did you mean 'channels'\?",
    ),
    *_config_cases(
        "alert retries huge",
        SEED
        + "alerts: {retries: 1000000, channels: [{type: webhook, url: 'http://127.0.0.1:9/'}]}\n",
        r"alerts\.retries: must be a whole number ≥ 0 and ≤ 10",
    ),
    *_config_cases(
        "unknown broker type",
        _seed_with("type: paper", "type: nosuch"),
        r"no broker named 'nosuch' \(installed: .*paper",
    ),
    *_config_cases(
        "python tag",
        "broker: !!python/object/apply:os.system ['echo hi']\n",
        r"c\.yaml: line 1: invalid YAML: .*no !!tags",
    ),
    *_config_cases(
        "anchor bomb",
        BILLION_LAUGHS,
        r"c\.yaml: invalid YAML: its aliases \(\*name\) expand to more than",
    ),
    *_config_cases(
        "huge file", "# padding\n" * 120_000, r"c\.yaml: invalid YAML: the file is 1,200,000 bytes"
    ),
    *_config_cases("not YAML", "broker: [\n", r"c\.yaml: line 2: invalid YAML"),
    *_config_cases("a YAML list", "- broker\n- data\n", r"c\.yaml: expected a mapping of sections"),
    *_config_cases(
        "not UTF-8", b"broker: \xff\xfe\n", r"c\.yaml: invalid YAML: byte 8 is not UTF-8 text"
    ),
    *_config_cases(
        "a NUL byte",
        "broker: {type: paper}\n\x00\n",
        r"c\.yaml: invalid YAML: unacceptable character #x0000",
    ),
    Case(
        name="verify-config: missing file",
        args=["verify-config", "--config", "nope.yaml"],
        message=r"cannot read config nope\.yaml: No such file or directory",
    ),
    Case(
        name="paper-trade: config is a directory",
        args=[*PAPER, "--config", "conf"],
        files={"s.py": STRATEGY, "conf/keep.txt": ""},
        message=r"cannot read config conf: Is a directory",
    ),
    Case(
        name="paper-trade: start date that does not exist",
        args=[*PAPER[:5], "2010-13-45", *PAPER[6:]],
        files={"s.py": STRATEGY},
        message=r"start '2010-13-45' is not a date",
    ),
    Case(
        name="paper-trade: end before start",
        args=[*PAPER[:5], "2010-06-01", *PAPER[6:]],
        files={"s.py": STRATEGY},
        message=r"end 2010-03-31 is before start 2010-06-01",
    ),
    Case(
        name="paper-trade: --replay without --end",
        args=[*PAPER[:6], *PAPER[8:]],
        files={"s.py": STRATEGY},
        message=r"--replay needs --start and --end",
    ),
    Case(
        name="paper-trade: infinite --speed",
        args=[*PAPER, "--speed", "inf"],
        files={"s.py": STRATEGY},
        message=r"--speed must be 0 \(as fast as possible\) or up to 1e\+09, got inf",
    ),
    Case(
        name="paper-trade: negative --speed",
        args=[*PAPER, "--speed", "-1"],
        files={"s.py": STRATEGY},
        exit_code=2,
        message=r"Invalid value for '--speed'",
    ),
    Case(
        name="paper-trade: zero --heartbeat-interval",
        args=[*PAPER, "--heartbeat-interval", "0"],
        files={"s.py": STRATEGY},
        message=r"--heartbeat-interval must be > 0 and ≤ 31,622,400, got 0",
    ),
    Case(
        name="paper-trade: --duration that is no duration",
        args=[*PAPER[:3], "--duration", "forever", *PAPER[8:]],
        files={"s.py": STRATEGY},
        message=r"duration must look like 30d, 24h, 90m or 45s",
    ),
    Case(
        name="paper-trade: --state in a missing directory",
        args=[*PAPER[:9], "missing/st.sqlite", *PAPER[10:]],
        files={"s.py": STRATEGY},
        message=r"cannot use state file missing/st\.sqlite: directory missing does not exist",
    ),
    Case(
        name="paper-trade: --state is a directory",
        args=PAPER,
        files={"s.py": STRATEGY, "st.sqlite/keep.txt": ""},
        message=r"state file st\.sqlite is a directory",
    ),
    Case(
        name="paper-trade: --state is another application's SQLite file",
        args=PAPER,
        files={"s.py": STRATEGY},
        prepare=_foreign_sqlite,
        message=r"state file st\.sqlite is not a RustyBT state file \(it belongs to another",
    ),
    Case(
        name="paper-trade: --state is a text file",
        args=PAPER,
        files={"s.py": STRATEGY, "st.sqlite": "symbol,amount\nAAPL,10\n"},
        message=r"state file st\.sqlite is not a RustyBT state file",
    ),
    Case(
        name="paper-trade: --state from a newer RustyBT",
        args=PAPER,
        files={"s.py": STRATEGY},
        prepare=_newer_state_file,
        message=r"state file st\.sqlite was written by a newer RustyBT",
    ),
    Case(
        name="paper-trade: --log-file is a directory",
        args=[*PAPER[:11], "logs"],
        files={"s.py": STRATEGY, "logs/keep.txt": ""},
        message=r"cannot write log file logs: it is a directory; give a file in it",
    ),
    Case(
        name="paper-trade: unknown --broker",
        args=[*PAPER, "--broker", "nosuch"],
        files={"s.py": STRATEGY},
        message=r"no broker named 'nosuch' \(installed: .*paper",
    ),
    Case(
        name="paper-trade: a real broker in the config",
        args=[*PAPER, "--config", "c.yaml"],
        files={"s.py": STRATEGY, "c.yaml": "broker: {type: ccxt, exchange: kraken}\n"},
        message=r"paper trading needs a simulated broker such as 'paper'; 'ccxt' places real",
    ),
    Case(
        name="paper-trade: alert secret not set",
        args=[*PAPER, "--config", "c.yaml"],
        files={
            "s.py": STRATEGY,
            "c.yaml": "alerts: {channels: [{type: webhook, url: 'http://127.0.0.1:9/',"
            " secret_env: RUSTYBT_CORPUS_NO_SUCH_SECRET}]}\n",
        },
        message=r"RUSTYBT_CORPUS_NO_SUCH_SECRET",
    ),
    Case(
        name="live-trade: real broker without --confirm",
        args=[
            *("live-trade", "--strategy", "s.py", "--broker", "ccxt", "--exchange", "kraken"),
            *("--log-file", "l.log"),
        ],
        files={"s.py": STRATEGY},
        message=r"live trading through 'ccxt' places real orders; add --confirm",
    ),
    Case(
        name="live-trade: unknown --broker",
        args=["live-trade", "--strategy", "s.py", "--broker", "nosuch", "--log-file", "l.log"],
        files={"s.py": STRATEGY},
        message=r"no broker named 'nosuch' \(installed: ",
    ),
]
