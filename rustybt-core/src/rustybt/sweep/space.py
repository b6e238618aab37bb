"""The parameter space of a sweep: one axis per ``--grid name=values`` option, the grid of
every combination, a seeded random sample of it, and Optuna's search over it.

An axis's values are typed as ``-D`` values are (:func:`rustybt.params.parse_defines`):
``10`` an int, ``0.5`` a float, ``true`` a bool, ``2006-01-03`` a date, anything else
text. ``start:stop:step`` is a range of numbers, ``stop`` included when a step lands on it.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, ClassVar

import attrs

from rustybt.errors import ConfigError
from rustybt.install_hint import install_command
from rustybt.params import PARAM_TYPES, parse_defines
from rustybt.sweep.metrics import METRICS, check_objective
from rustybt.sweep.task import RunOutcome

MAX_POINTS = 1_000_000
"""The most points a grid may have: beyond it a sweep would never finish, so it is refused
before anything is built."""

RESERVED_NAMES = frozenset({"run", "fold", "phase", "start", "end", "error", *METRICS})
"""Names of the sweep table's own columns, which a parameter cannot take."""


@attrs.frozen
class ParamAxis:
    """One parameter of a sweep and the values it takes, in the order given; every value is
    of one type (an int axis with a float in it is a float axis)."""

    name: str
    values: tuple[Any, ...]


def parse_axis(text: str) -> ParamAxis:
    """The axis of ``--grid text``: ``fast=10:50:5`` (10, 15, ..., 50), ``w=0.5:1.0:0.25``
    (0.5, 0.75, 1.0: stepped exactly in decimal, then made floats), ``slow=50,100,200``,
    ``on=true,false``, ``day=2006-01-03,2007-01-03`` or ``mode=fast,slow``.

    Raises:
        ConfigError: no ``name=``, a name that is not a Python name, an empty value, a
            range that is not three numbers or whose step does not lead from start to stop,
            a range or list of more than :data:`MAX_POINTS` values, a repeated value, or
            values of different types.
    """
    name, equals, values_text = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise ConfigError(
            f"--grid {text}: give name=values with a Python name, such as --grid fast=10:50:5 "
            "or --grid slow=50,100,200"
        )
    if ":" in values_text and "," not in values_text:
        values = _range(text, name, values_text)
    else:
        values = tuple(_scalar(text, name, item) for item in values_text.split(","))
    return ParamAxis(name, _one_type(text, values))


def _scalar(option: str, name: str, item: str) -> Any:
    """``item`` read as ``-D name=item`` reads it; a ConfigError when it is empty or of no
    parameter type."""
    value = parse_defines([f"{name}={item}"])[name].value
    if isinstance(value, str):
        # YAML reads 1e-3 as text (it wants 1.0e-3); a declared float reads it as a number.
        with contextlib.suppress(ValueError):
            number = float(value)
            value = number if math.isfinite(number) else value
    if item.strip() == "" or value is None or not isinstance(value, PARAM_TYPES):
        raise ConfigError(
            f"--grid {option}: {item.strip()!r} is no value; give numbers, true/false, dates "
            "(YYYY-MM-DD) or text, separated by commas, such as --grid slow=50,100,200"
        )
    return value


def _range(option: str, name: str, values_text: str) -> tuple[Any, ...]:
    """The values of the range ``start:stop:step``, ints when all three are, else floats
    stepped exactly as decimals."""
    parts = values_text.split(":")
    numbers = [_scalar(option, name, part) if part.strip() else None for part in parts]
    if len(parts) != 3 or not all(_is_number(number) for number in numbers):
        raise ConfigError(
            f"--grid {option}: a range is start:stop:step, three numbers, such as "
            "--grid fast=10:50:5 or --grid w=0.5:1.0:0.25"
        )
    # A float goes through its shortest repr, the digits written, so 0.1 steps as 0.1.
    start, stop, step = (Decimal(repr(number)) for number in numbers)
    if step == 0 or (stop - start) * step < 0:
        raise ConfigError(
            f"--grid {option}: the step {parts[2].strip()} does not lead from "
            f"{parts[0].strip()} to {parts[1].strip()}; give a step with the sign of "
            "stop - start, such as --grid fast=10:50:5 or --grid down=50:10:-5"
        )
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise ConfigError(
            f"--grid {option}: {count:,} values, more than the {MAX_POINTS:,} a sweep may have; "
            "give a larger step or a shorter range"
        )
    exact = (start + k * step for k in range(count))
    if all(isinstance(number, int) for number in numbers):
        return tuple(int(value) for value in exact)
    return tuple(float(value) for value in exact)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _kind(value: object) -> type:
    return next(kind for kind in PARAM_TYPES if isinstance(value, kind))


def _one_type(option: str, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` checked to be of one type and distinct; ints become floats beside a
    float."""
    kinds = {_kind(value) for value in values}
    if kinds == {int, float}:
        values = tuple(float(value) for value in values)
        kinds = {float}
    if len(kinds) > 1:
        names = ", ".join(sorted(_TYPE_NAMES[kind] for kind in kinds))
        raise ConfigError(
            f"--grid {option}: mixes {names}; give values of one type, such as "
            "--grid slow=50,100,200"
        )
    repeated = [value for value, count in _counts(values).items() if count > 1]
    if repeated:
        raise ConfigError(
            f"--grid {option}: {_text(repeated[0])} is given twice; give each value once"
        )
    return values


_TYPE_NAMES = {bool: "bools", int: "ints", float: "floats", str: "text", datetime.date: "dates"}


def _counts(values: tuple[Any, ...]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _text(value: object) -> str:
    """A value as it is written on the command line."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@attrs.frozen
class ParamSpace:
    """The parameters a sweep varies, one axis each, in the order the options gave them.

    Its points are the combinations of one value per axis, in grid order: the first axis
    varies slowest, each axis in its values' order. A space without axes has one point,
    ``{}``.
    """

    axes: tuple[ParamAxis, ...]

    @property
    def size(self) -> int:
        """The number of points of the grid."""
        return math.prod(len(axis.values) for axis in self.axes)

    def grid(self) -> list[dict[str, Any]]:
        """Every point, in grid order.

        Raises:
            ConfigError: the grid has more than :data:`MAX_POINTS` points.
        """
        self._check_size()
        names = [axis.name for axis in self.axes]
        return [
            dict(zip(names, values, strict=True))
            for values in itertools.product(*(axis.values for axis in self.axes))
        ]

    def sample(self, count: int, seed: int) -> list[dict[str, Any]]:
        """``count`` distinct points drawn at random, in grid order: the same points for
        the same ``seed`` in every process (numpy's seeded generator); the whole grid when
        ``count`` is at least its size.

        Raises:
            ConfigError: ``count`` is below 1, or the grid has more than
                :data:`MAX_POINTS` points.
        """
        if count < 1:
            raise ConfigError(
                f"--random {count}: give the number of runs, 1 or more, such as --random 20"
            )
        self._check_size()
        if count >= self.size:
            return self.grid()
        import numpy as np  # here, so that reading --grid options needs no numpy

        drawn = np.random.default_rng(seed).choice(self.size, size=count, replace=False)
        return [self._point(int(index)) for index in np.sort(drawn)]

    def _point(self, index: int) -> dict[str, Any]:
        """The point at ``index`` in grid order (the last axis varying fastest)."""
        point: dict[str, Any] = {}
        for axis in reversed(self.axes):
            index, position = divmod(index, len(axis.values))
            point[axis.name] = axis.values[position]
        return {axis.name: point[axis.name] for axis in self.axes}

    def _check_size(self) -> None:
        if self.size > MAX_POINTS:
            shape = " × ".join(f"{len(axis.values):,} {axis.name}" for axis in self.axes)
            raise ConfigError(
                f"--grid: {shape} make {self.size:,} runs, more than the {MAX_POINTS:,} a sweep "
                "may have; give fewer values, or sample the grid with --random N or --optuna N"
            )


def parse_space(texts: Sequence[str]) -> ParamSpace:
    """The space of the ``--grid`` options ``texts``, an axis each (:func:`parse_axis`).

    Raises:
        ConfigError: an axis cannot be read, two options name one parameter, a name is one
            of the table's columns (:data:`RESERVED_NAMES`), or the grid has more than
            :data:`MAX_POINTS` points.
    """
    axes: list[ParamAxis] = []
    for text in texts:
        axis = parse_axis(text)
        if axis.name in RESERVED_NAMES:
            raise ConfigError(
                f"--grid {text}: {axis.name} names a column of the sweep table; rename the "
                "parameter (reserved: " + ", ".join(sorted(RESERVED_NAMES)) + ")"
            )
        if any(other.name == axis.name for other in axes):
            raise ConfigError(
                f"--grid {text}: {axis.name} has another --grid option; give all its values "
                f"in one, such as --grid {axis.name}=10,20,30"
            )
        axes.append(axis)
    space = ParamSpace(tuple(axes))
    space._check_size()
    return space


class OptunaSearch:
    """Optuna's TPE search of a space's grid, maximising a metric.

    Trials are asked :attr:`BATCH` at a time and told in the order asked, so a seed gives
    the same trials whatever the number of workers running them. Every trial is a point
    of the grid: each parameter is suggested among its axis's values.
    """

    BATCH: ClassVar[int] = 8
    """Trials asked at once, whatever ``--jobs`` is, so the table is the same for any
    ``--jobs``."""

    def __init__(self, space: ParamSpace, trials: int, objective: str, seed: int) -> None:
        """A search of ``trials`` trials of ``space`` maximising ``objective``, its sampler
        seeded with ``seed``.

        Raises:
            ConfigError: optuna is not installed (the message gives the command installing
                it), ``trials`` is below 1, or ``objective`` is no metric.
        """
        if trials < 1:
            raise ConfigError(
                f"--optuna {trials}: give the number of trials, 1 or more, such as --optuna 50"
            )
        self._objective = check_objective(objective)
        optuna = _import_optuna()
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self._optuna = optuna
        self._space = space
        self._trials = trials
        self._asked = 0
        self._pending: list[Any] = []
        self._study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed)
        )

    def ask(self) -> list[dict[str, Any]]:
        """The next batch of points: :attr:`BATCH` trials, fewer for the last batch, none
        once all trials were asked.

        Raises:
            RuntimeError: the previous batch has not been told.
        """
        if self._pending:
            raise RuntimeError("tell the outcomes of the batch asked before asking again")
        count = min(self.BATCH, self._trials - self._asked)
        for _ in range(count):
            self._pending.append(self._study.ask())
        self._asked += count
        return [self._suggest(trial) for trial in self._pending]

    def tell(self, outcomes: Sequence[RunOutcome]) -> None:
        """Give the study the batch's ``outcomes``, in the order its points were asked; a
        run that failed, or whose objective is NaN, is a failed trial.

        Raises:
            RuntimeError: ``outcomes`` are not one per point of the batch asked.
        """
        if len(outcomes) != len(self._pending):
            raise RuntimeError(
                f"{len(outcomes)} outcomes told for a batch of {len(self._pending)} trials"
            )
        failed = self._optuna.trial.TrialState.FAIL
        for trial, outcome in zip(self._pending, outcomes, strict=True):
            value = float(outcome.metrics.get(self._objective, math.nan))
            if outcome.error is not None or math.isnan(value):
                self._study.tell(trial, state=failed)
            else:
                self._study.tell(trial, value)
        self._pending = []

    def _suggest(self, trial: Any) -> dict[str, Any]:
        point = {}
        for axis in self._space.axes:
            # Optuna's categories are None, bool, int, float or str: a date goes as its text.
            choices = [_text(v) if isinstance(v, datetime.date) else v for v in axis.values]
            chosen = trial.suggest_categorical(axis.name, choices)
            point[axis.name] = axis.values[choices.index(chosen)]
        return point


def _import_optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ConfigError(
            "--optuna needs optuna, which is not installed: run "
            f"`{install_command('rustybt-core', 'optuna')}`"
        ) from None
    return optuna
