"""A calendar is built with exchange_calendars once per install; later processes read its
stored schedule, never import exchange_calendars, and answer exactly as a fresh build."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

CALENDARS = ("XNYS", "XLON", "XHKG", "24/7")

# Answers every public method for a few ranges of each calendar named on the command line
# into the .npz file named first, then reports whether exchange_calendars was imported.
PROBE = """
import json, sys
import numpy as np
import pandas as pd
from rustybt.calendars import get_calendar

out, names = sys.argv[1], sys.argv[2:]
answers = {}
for name in names:
    calendar = get_calendar(name)
    answers[f"{name}|bounds"] = np.array([calendar.first_day.value, calendar.last_day.value])
    ranges = [
        ("2000-01-01", "2000-03-31"),
        ("2008-09-01", "2008-12-31"),
        ("2024-10-01", "2025-01-31"),
        (calendar.first_day, calendar.first_day + pd.Timedelta(days=45)),
        (calendar.last_day - pd.Timedelta(days=45), calendar.last_day),
    ]
    for number, (start, end) in enumerate(ranges):
        key = f"{name}|{number}"
        sessions = calendar.sessions(start, end)
        opens, closes = calendar.opens_and_closes(sessions)
        minutes, session_index = calendar.minutes_and_session_index(sessions)
        days = pd.date_range(start, end)
        answers[f"{key}|sessions"] = sessions.asi8
        answers[f"{key}|opens"] = opens.asi8
        answers[f"{key}|closes"] = closes.asi8
        answers[f"{key}|early_closes"] = calendar.early_closes(sessions)
        answers[f"{key}|minutes"] = minutes.asi8
        answers[f"{key}|session_index"] = session_index
        answers[f"{key}|is_session"] = np.array([calendar.is_session(day) for day in days])
np.savez(out, **answers)
print(json.dumps({"exchange_calendars_imported": "exchange_calendars" in sys.modules}))
"""


def run_python(code: str, data_dir: Path, *args: str) -> str:
    """Run ``code`` in a fresh interpreter whose data directory is ``data_dir``; its stdout."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "RUSTYBT_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def probe(data_dir: Path, out: Path, *names: str) -> bool:
    """Answer ``names``' calendar questions into ``out``; True if exchange_calendars loaded."""
    report = json.loads(run_python(PROBE, data_dir, str(out), *names).splitlines()[-1])
    return bool(report["exchange_calendars_imported"])


def answers(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as stored:
        return {key: stored[key] for key in stored.files}


def cache_folder(data_dir: Path) -> Path:
    version = importlib.metadata.version("exchange_calendars")
    return data_dir / "calendars" / f"xcals-{version}-{datetime.datetime.now(datetime.UTC).year}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data directory where a first process built the four calendars, and its answers."""
    data_dir = tmp_path_factory.mktemp("data")
    out = data_dir.parent / "cold.npz"
    assert probe(data_dir, out, *CALENDARS)  # the probe does see exchange_calendars loaded
    return data_dir, out


@pytest.fixture
def warm_copy(built: tuple[Path, Path], tmp_path: Path) -> Path:
    """A private copy of the built data directory, for tests that damage it."""
    shutil.copytree(built[0], tmp_path / "data")
    return tmp_path / "data"


def test_each_calendar_is_stored_as_arrays_beside_a_name_index(built: tuple[Path, Path]) -> None:
    folder = cache_folder(built[0])
    assert sorted(path.name for path in folder.iterdir()) == [
        "24-7.calendar",
        "XHKG.calendar",
        "XLON.calendar",
        "XNYS.calendar",
        "names.json",
    ]
    names = json.loads((folder / "names.json").read_text())
    assert names["NYSE"] == names["XNYS"] == "XNYS"
    assert names["CRYPTO"] == names["ALWAYS_OPEN"] == "24/7"


@pytest.mark.parametrize("name", ["XNYS", "NYSE", " xlon ", "crypto"])
def test_a_warm_process_never_imports_exchange_calendars(
    built: tuple[Path, Path], tmp_path: Path, name: str
) -> None:
    folder = cache_folder(built[0])
    written = {path: path.stat().st_mtime_ns for path in folder.iterdir()}

    assert not probe(built[0], tmp_path / "warm.npz", name)
    assert {path: path.stat().st_mtime_ns for path in folder.iterdir()} == written


def test_stored_calendars_answer_exactly_as_freshly_built_ones(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    probe(built[0], tmp_path / "warm.npz", *CALENDARS)
    cold, warm = answers(built[1]), answers(tmp_path / "warm.npz")

    assert cold.keys() == warm.keys()
    for key in cold:
        assert cold[key].dtype == warm[key].dtype, key
        np.testing.assert_array_equal(cold[key], warm[key], err_msg=key)


# exchange_calendars' minute methods read tz-aware DatetimeIndex.values, deprecated in pandas 3.1.
@pytest.mark.filterwarnings("ignore:DatetimeIndex.values returning")
@pytest.mark.parametrize("name", CALENDARS)
def test_stored_calendars_match_exchange_calendars(
    built: tuple[Path, Path], tmp_path: Path, name: str
) -> None:
    probe(built[0], tmp_path / "warm.npz", name)
    warm = answers(tmp_path / "warm.npz")
    first, last = (pd.Timestamp(value) for value in warm[f"{name}|bounds"])
    oracle = xcals.get_calendar(name, start=first, end=last)

    for number in range(5):
        key = f"{name}|{number}"
        sessions = pd.DatetimeIndex(warm[f"{key}|sessions"])
        expected = oracle.sessions_in_range(sessions[0], sessions[-1])
        assert sessions.equals(expected), key
        schedule = oracle.schedule.loc[expected]
        for column in ("open", "close"):
            np.testing.assert_array_equal(
                warm[f"{key}|{column}s"], pd.DatetimeIndex(schedule[column]).asi8
            )
        np.testing.assert_array_equal(
            warm[f"{key}|early_closes"], expected.isin(oracle.early_closes)
        )
        minutes = oracle.sessions_minutes(expected[0], expected[-1])
        np.testing.assert_array_equal(warm[f"{key}|minutes"], minutes.asi8)
        np.testing.assert_array_equal(
            sessions[warm[f"{key}|session_index"]], oracle.minutes_to_sessions(minutes)
        )


@pytest.mark.parametrize("file", ["XNYS.calendar", "names.json"])
@pytest.mark.parametrize("damage", ["garbage", "truncation"])
def test_a_damaged_cache_file_is_built_again(warm_copy: Path, file: str, damage: str) -> None:
    path = cache_folder(warm_copy) / file
    intact = path.read_bytes()
    path.write_bytes(b"not a calendar" if damage == "garbage" else intact[: len(intact) // 2])

    assert probe(warm_copy, warm_copy.parent / "answers.npz", "XNYS")
    assert path.read_bytes() == intact
    assert not probe(warm_copy, warm_copy.parent / "answers.npz", "XNYS")


def test_an_unwritable_data_directory_only_costs_a_build(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    sessions = "from rustybt.calendars import get_calendar; "
    sessions += "print(len(get_calendar('XNYS').sessions('2010-01-01', '2010-12-31')))"

    assert run_python(sessions, tmp_path / "a-file" / "data") == "252"


def test_an_unknown_name_is_still_a_config_error_when_the_cache_is_warm(warm_copy: Path) -> None:
    ask = "from rustybt.calendars import get_calendar\n"
    ask += "try:\n    get_calendar('MOON')\nexcept Exception as error:\n"
    ask += "    print(type(error).__name__, error)"

    assert run_python(ask, warm_copy).startswith(
        "ConfigError unknown trading calendar 'MOON'; use an exchange_calendars name"
    )
