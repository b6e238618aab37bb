"""The parameter space of ``rustybt sweep``: ``--grid`` options read into typed axes, the
grid in order, and a seeded sample that is the same in every process."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys

import pytest
from rustybt.errors import ConfigError
from rustybt.sweep.space import MAX_POINTS, ParamAxis, ParamSpace, parse_axis, parse_space


def test_an_int_range_includes_its_stop_when_a_step_lands_on_it():
    assert parse_axis("fast=10:50:5") == ParamAxis("fast", (10, 15, 20, 25, 30, 35, 40, 45, 50))
    assert parse_axis("fast=10:52:5").values == (10, 15, 20, 25, 30, 35, 40, 45, 50)
    assert all(type(value) is int for value in parse_axis("fast=10:50:5").values)


def test_a_float_range_steps_without_drift():
    assert parse_axis("w=0.5:1.0:0.25").values == (0.5, 0.75, 1.0)
    # Adding 0.1 ten times in floats gives 0.9999999999999999 and loses the stop.
    assert parse_axis("w=0:1:0.1").values == (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def test_a_range_may_step_down():
    assert parse_axis("slow=50:10:-20").values == (50, 30, 10)
    assert parse_axis("slow=7:7:1").values == (7,)


def test_a_list_keeps_its_order_and_types_its_values_as_defines_are():
    assert parse_axis("slow=200,50,100").values == (200, 50, 100)
    assert parse_axis("on=true,false").values == (True, False)
    assert parse_axis("mode=fast, slow").values == ("fast", "slow")
    assert parse_axis("day=2006-01-03,2007-01-02").values == (
        datetime.date(2006, 1, 3),
        datetime.date(2007, 1, 2),
    )
    assert parse_axis("w=1,1.5").values == (1.0, 1.5)
    assert parse_axis("w=1e-3,2e-3").values == (0.001, 0.002)
    assert parse_axis("w=0:3e-3:1e-3").values == (0.0, 0.001, 0.002, 0.003)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", "--grid fast: give name=values with a Python name, such as --grid fast=10:50:5"),
        ("2x=1,2", "--grid 2x=1,2: give name=values with a Python name"),
        ("fast=", "--grid fast=: '' is no value"),
        ("fast=10,,20", "--grid fast=10,,20: '' is no value"),
        ("fast=10:x", "--grid fast=10:x: a range is start:stop:step, three numbers"),
        ("fast=10:50", "--grid fast=10:50: a range is start:stop:step"),
        ("fast=a:b:c", "--grid fast=a:b:c: a range is start:stop:step"),
        ("fast=10:50:-5", "--grid fast=10:50:-5: the step -5 does not lead from 10 to 50"),
        ("fast=10:50:0", "--grid fast=10:50:0: the step 0 does not lead from 10 to 50"),
        ("fast=10,x", "--grid fast=10,x: mixes ints, text; give values of one type"),
        ("on=true,1", "--grid on=true,1: mixes bools, ints"),
        ("fast=10,20,10", "--grid fast=10,20,10: 10 is given twice; give each value once"),
        ("x=0:1e7:1", "--grid x=0:1e7:1: 10,000,001 values, more than the 1,000,000"),
    ],
)
def test_bad_grid_options_are_one_line_naming_the_option_and_the_fix(text, message):
    with pytest.raises(ConfigError) as error:
        parse_axis(text)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_the_grid_varies_the_first_axis_slowest():
    space = parse_space(["fast=10,20", "slow=50,100,200"])
    assert space.size == 6
    assert space.grid() == [
        {"fast": 10, "slow": 50},
        {"fast": 10, "slow": 100},
        {"fast": 10, "slow": 200},
        {"fast": 20, "slow": 50},
        {"fast": 20, "slow": 100},
        {"fast": 20, "slow": 200},
    ]


def test_a_space_without_axes_is_one_run_with_no_parameters():
    assert parse_space([]).grid() == [{}]


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["fast=1,2", "fast=3"], "--grid fast=3: fast has another --grid option"),
        (["run=1,2"], "--grid run=1,2: run names a column of the sweep table"),
        (["sharpe=1,2"], "--grid sharpe=1,2: sharpe names a column of the sweep table"),
        (["a=1:1000:1", "b=1:1000:1", "c=1,2"], "--grid: 1,000 a × 1,000 b × 2 c make 2,000,000"),
    ],
)
def test_bad_spaces_are_refused(texts, message):
    with pytest.raises(ConfigError, match="^" + message.replace("×", ".")):
        parse_space(texts)


def test_a_huge_grid_is_refused_before_it_is_built():
    axes = tuple(ParamAxis(name, tuple(range(1000))) for name in ("a", "b", "c"))
    space = ParamSpace(axes)
    assert space.size == 1000**3 > MAX_POINTS
    with pytest.raises(ConfigError, match="1,000,000,000 runs"):
        space.grid()
    with pytest.raises(ConfigError, match="sample the grid with --random N"):
        space.sample(5, seed=0)


def test_a_sample_is_distinct_grid_points_in_grid_order():
    space = parse_space(["fast=10:50:5", "slow=50,100,200", "on=true,false"])
    grid = space.grid()
    sample = space.sample(10, seed=3)
    assert len(sample) == 10
    positions = [grid.index(point) for point in sample]
    assert positions == sorted(set(positions))
    assert space.sample(10, seed=3) == sample
    assert space.sample(10, seed=4) != sample


def test_a_sample_as_large_as_the_grid_is_the_grid():
    space = parse_space(["fast=10,20", "slow=50,100"])
    assert space.sample(4, seed=1) == space.grid()
    assert space.sample(99, seed=1) == space.grid()


def test_a_sample_of_no_runs_is_refused():
    with pytest.raises(ConfigError, match=r"^--random 0: give the number of runs, 1 or more"):
        parse_space(["fast=10,20"]).sample(0, seed=0)


SAMPLE_IN_A_FRESH_PROCESS = """
from rustybt.sweep.space import parse_space
space = parse_space(["fast=10:50:5", "slow=50:300:10", "mode=a,b,c"])
print(space.sample(6, seed=7))
"""


def test_a_sample_is_the_same_in_another_python_process():
    space = parse_space(["fast=10:50:5", "slow=50:300:10", "mode=a,b,c"])
    outputs = {
        subprocess.run(
            [sys.executable, "-c", SAMPLE_IN_A_FRESH_PROCESS],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        ).stdout.strip()
        for hash_seed in ("1", "2")
    }
    assert outputs == {repr(space.sample(6, seed=7))}
