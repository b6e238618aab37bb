"""Configuration files are read with bounds: an anchor bomb or a huge file is refused at
once, with one line, before anything is built."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rustybt.errors import ConfigError
from rustybt.live.config import parse_trading_config

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_an_anchor_bomb_is_refused_in_under_a_second(tmp_path: Path) -> None:
    config = tmp_path / "bomb.yaml"
    config.write_text(BILLION_LAUGHS)
    began = time.perf_counter()
    with pytest.raises(ConfigError, match=r"bomb.yaml: invalid YAML: its aliases .* expand to"):
        parse_trading_config(config)
    assert time.perf_counter() - began < 1.0


def test_a_few_anchors_still_work(tmp_path: Path) -> None:
    config = tmp_path / "anchors.yaml"
    config.write_text("defaults: &paper {type: paper}\nbroker: *paper\n")
    assert parse_trading_config(config).document["broker"] == {"type": "paper"}


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    config = tmp_path / "huge.yaml"
    config.write_text("# padding\n" * 200_000)
    with pytest.raises(ConfigError, match=r"huge.yaml: invalid YAML: the file is 2,000,000 bytes"):
        parse_trading_config(config)


def test_a_python_tag_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "tag.yaml"
    config.write_text("broker: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match=r"tag.yaml:.*invalid YAML"):
        parse_trading_config(config)


def test_a_date_shaped_value_that_is_no_date_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "month13.yaml"
    config.write_text("backtest:\n  start: 2006-13-01\n")
    with pytest.raises(ConfigError, match=r"month13.yaml: invalid YAML: .*a date is YYYY-MM-DD"):
        parse_trading_config(config)
