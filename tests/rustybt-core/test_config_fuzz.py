"""Whatever a configuration file holds, loading it ends in a ConfigError or a config, never in
another exception: text that is barely YAML, and any nesting of YAML values."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rustybt.alerts.config import load_alerts_config
from rustybt.errors import ConfigError
from rustybt.live.config import load_trading_config, parse_trading_config

FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)
KEYS = st.sampled_from(
    [
        "broker", "data", "logging", "risk", "state", "alerts", "type", "initial_capital",
        "commission", "slippage", "cost", "volume_limit", "heartbeat_interval", "level",
        "max_order_value", "max_position_fraction", "channels", "retries", "url", "file",
    ]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["paper", "webhook", "1e30", "inf", "-.inf", "daily", "http://127.0.0.1:9/"])
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)
YAMLISH = st.text(
    alphabet=st.sampled_from(list("abc: -[]{}&*!|>'\"#\n\t.,0123456789eE%@`?")), max_size=200
) | st.binary(max_size=64).map(lambda raw: raw.decode("latin-1"))


def _load_everything(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.yaml"
        path.write_text(text, encoding="utf-8")
        for load in (load_trading_config, parse_trading_config, load_alerts_config):
            with contextlib.suppress(ConfigError):
                load(path)


@FUZZ
@given(YAMLISH)
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    _load_everything(text)


@FUZZ
@given(DOCUMENTS)
def test_any_yaml_document_is_a_config_or_a_config_error(document: object) -> None:
    _load_everything(yaml.safe_dump(document))


@FUZZ
@given(st.dictionaries(KEYS, DOCUMENTS, max_size=6))
def test_any_set_of_sections_is_a_config_or_a_config_error(document: dict) -> None:
    _load_everything(yaml.safe_dump(document))
