"""The report of a parameter sweep: ``rustybt report sweep.parquet -o sweep.html``.

It reads the table ``rustybt sweep -o`` writes (its schema is in :mod:`rustybt.sweep`) and
draws, on a page made like a backtest's (:mod:`rustybt.report.html`), with stable ids:

- ``<header id="report-header">``: the runs, the parameters, the objective and its best run;
- ``chart-sweep-heatmap``: the objective over two parameters (the x one across, the y one
  down; each cell the best value over the other parameters), or ``chart-sweep-line`` for a
  sweep of one parameter: the objective at each of its values;
- ``chart-sweep-parallel``: parallel coordinates, one line per run through every parameter
  and the objective, coloured by the objective;
- ``<table id="runs-table">``: one ``<tr class="rustybt-run" data-run="N">`` per run, best
  objective first (failed and undefined last, then by run number), each metric's
  ``<td data-column="NAME" data-value="...">`` holding its exact value (``repr``, empty when
  undefined);
- with walk-forward folds, ``<table id="folds-table">``: the out-of-sample (``test``) run of
  each fold, ``<tr class="rustybt-fold" data-fold="K" data-run="N">``, by fold, with the
  objective its parameters had in sample (``data-column="in_sample_OBJECTIVE"``).

With folds, the charts show the in-sample (``train``) runs, a parameter set's objective being
its mean over the folds. Larger is better for every objective (:mod:`rustybt.sweep.metrics`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard

import attrs
import numpy as np
import pandas as pd

from rustybt.errors import ConfigError, DataError
from rustybt.report.figures import Chart, finite_or_none, plotly_module
from rustybt.report.html import chart_section, escaped, render_page, write_page
from rustybt.report.load import SWEEP_METADATA
from rustybt.report.metrics_table import metric_label, metric_text

FOLD_COLUMNS = ("fold", "phase", "start", "end")
"""The walk-forward columns of a sweep table with folds."""


@attrs.frozen(kw_only=True)
class SweepTable:
    """A sweep's table as the report reads it: ``frame`` one row per run, in run order;
    ``params`` and ``metrics`` its parameter and metric columns, in order; ``objective``
    the metric the sweep maximised; ``source`` the file read (None: a table in memory)."""

    frame: pd.DataFrame
    params: tuple[str, ...]
    metrics: tuple[str, ...]
    objective: str
    source: Path | None = None

    @property
    def has_folds(self) -> bool:
        """Whether the runs are walk-forward folds' (the table has a ``fold`` column)."""
        return "fold" in self.frame.columns

    def in_sample(self) -> pd.DataFrame:
        """The runs the charts show: every run, or with folds the ``train`` ones."""
        if not self.has_folds:
            return self.frame
        return self.frame[self.frame["phase"] == "train"]


def load_sweep_table(table_or_path: Any) -> SweepTable:
    """The sweep table of ``table_or_path``: the path of the Parquet file ``rustybt sweep
    -o`` wrote, a ``pyarrow.Table`` with that schema metadata, or a ``pandas.DataFrame``
    whose ``attrs["sweep"]`` holds the metadata (a mapping or its JSON text).

    Raises:
        ConfigError: there is no file at the path.
        DataError: it is not a sweep table (not Parquet, no or bad ``rustybt.sweep``
            metadata, a column the metadata names is missing) or it holds no runs.
    """
    if isinstance(table_or_path, pd.DataFrame):
        return _table(table_or_path, table_or_path.attrs.get("sweep"), None)
    if isinstance(table_or_path, str | Path):
        return _read(Path(table_or_path))
    metadata = (table_or_path.schema.metadata or {}).get(SWEEP_METADATA)
    return _table(table_or_path.to_pandas(), metadata, None)


def write_sweep_report(
    table_or_path: Any,
    output: str | Path,
    *,
    objective: str | None = None,
    x: str | None = None,
    y: str | None = None,
) -> Path:
    """Write the report of the sweep ``table_or_path`` (see :func:`load_sweep_table`) to
    ``output``, atomically (no partial file on any error; an earlier one stays as it was),
    ranking runs by ``objective`` (None: the sweep's) with the heatmap of parameter ``x``
    across and ``y`` down (None: the first two parameters other than the one given).
    Returns ``output``.

    Raises:
        ConfigError: no file at the path, ``objective`` is not a metric of the table, ``x``
            or ``y`` not a parameter (or the same one, or ``y`` for a sweep of one),
            ``output``'s directory does not exist, or plotly is not installed.
        DataError: the file is not a sweep table or holds no runs.
    """
    table = load_sweep_table(table_or_path)
    return write_page(render_sweep_report(table, objective=objective, x=x, y=y), output)


def render_sweep_report(
    table: SweepTable, *, objective: str | None = None, x: str | None = None, y: str | None = None
) -> str:
    """The report page of ``table``, as :func:`write_sweep_report` writes it.

    Raises:
        ConfigError: as :func:`write_sweep_report`'s, but for the files.
    """
    goal = _objective(table, objective)
    axes = heatmap_axes(table, x, y)
    charts = sweep_charts(table, goal, axes)
    title = "Sweep report"
    if table.source is not None:
        title = f"{title}: {table.source.name}"
    sections = [chart_section(chart) for chart in charts]
    sections += [
        '<section id="runs">',
        f"<h2>Runs ({len(table.frame):,}), best {escaped(metric_label(goal))} first</h2>",
        _runs_table(table, goal),
        "</section>",
    ]
    if table.has_folds:
        sections += [
            '<section id="folds">',
            "<h2>Out of sample: each fold's best in-sample parameters on its test window</h2>",
            _folds_table(table, goal),
            "</section>",
        ]
    return render_page(title, _subtitle(table, goal), sections)


def heatmap_axes(table: SweepTable, x: str | None, y: str | None) -> tuple[str, ...]:
    """The parameters the objective is drawn over: ``(x, y)`` for two or more parameters
    (a missing one: the first parameter not given), ``(x,)`` for one, ``()`` for none.

    Raises:
        ConfigError: ``x`` or ``y`` is not a parameter, both are the same, or ``y`` was
            given for a sweep of one parameter.
    """
    params = table.params
    for option, name in (("--x", x), ("--y", y)):
        if name is not None and name not in params:
            known = ", ".join(params) if params else "none"
            raise ConfigError(
                f"{option} {name} is not a parameter of the sweep: give one of {known}"
            )
    if x is not None and x == y:
        raise ConfigError(f"--x and --y are both {x}: give two different parameters")
    if len(params) == 1:
        if y is not None:
            raise ConfigError(
                f"--y {y}: the sweep has one parameter, drawn as a line; give --x alone"
            )
        return params
    if len(params) == 0:
        return ()
    first = x if x is not None else next(name for name in params if name != y)
    second = y if y is not None else next(name for name in params if name != first)
    return (first, second)


def sweep_charts(table: SweepTable, objective: str, axes: Sequence[str]) -> list[Chart]:
    """The sweep's charts over ``axes`` (see :func:`heatmap_axes`), in page order: the
    heatmap of ``objective`` over two parameters (or its line over one), then the parallel
    coordinates; none for a sweep without parameters."""
    label = metric_label(objective)
    if len(axes) == 2:
        x, y = axes
        first = Chart(
            id="chart-sweep-heatmap",
            title=f"{label} over {x} and {y}" + _best_over_others(table, axes),
            figure=heatmap_figure(table, objective, x, y),
        )
    elif len(axes) == 1:
        first = Chart(
            id="chart-sweep-line",
            title=f"{label} over {axes[0]}",
            figure=line_figure(table, objective, axes[0]),
        )
    else:
        return []
    parallel = Chart(
        id="chart-sweep-parallel",
        title=f"Parameters and {label} of every run (drag along an axis to filter)",
        figure=parallel_figure(table, objective),
    )
    return [first, parallel]


def objective_by_params(table: SweepTable, objective: str) -> pd.Series:
    """``objective`` of each parameter set of the in-sample runs (indexed by the
    parameters): the run's value, with folds the mean over the folds (NaN when undefined
    in all of them)."""
    rows = table.in_sample()
    values = rows[objective].astype("float64")
    values = values.where(np.isfinite(values))
    grouped = values.groupby([rows[name] for name in table.params], sort=False, dropna=False)
    return grouped.mean()


def objective_grid(table: SweepTable, objective: str, x: str, y: str) -> pd.DataFrame:
    """The heatmap's cells: ``objective`` (:func:`objective_by_params`) of each ``x`` value
    (columns) and ``y`` value (rows), the best over the other parameters' values (NaN
    where no run of the pair has one), values in order (:func:`parameter_values`)."""
    by_params = objective_by_params(table, objective).reset_index()
    best = by_params.groupby([x, y], sort=False, dropna=False)[objective].max()
    grid = best.unstack(x) if len(best) else pd.DataFrame()
    return grid.reindex(
        index=parameter_values(table, y), columns=parameter_values(table, x)
    ).astype("float64")


def parameter_values(table: SweepTable, name: str) -> list[Any]:
    """The distinct values of parameter ``name`` among the in-sample runs, sorted (in
    their order in the table when they do not sort: mixed types)."""
    return _in_order(table.in_sample()[name].tolist())


def _in_order(values: list[Any]) -> list[Any]:
    distinct = list(dict.fromkeys(values))
    try:
        return sorted(distinct)
    except TypeError:
        return distinct


def heatmap_figure(table: SweepTable, objective: str, x: str, y: str) -> Any:
    """The heatmap of :func:`objective_grid`, each cell showing its value."""
    go = plotly_module("plotly.graph_objects")
    grid = objective_grid(table, objective, x, y)
    z = [[finite_or_none(value) for value in row] for row in grid.to_numpy()]
    texts = [["" if value is None else metric_text(objective, value) for value in row] for row in z]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[_label(value) for value in grid.columns],
            y=[_label(value) for value in grid.index],
            colorscale="RdYlGn",
            text=texts,
            texttemplate="%{text}",
            hovertemplate=f"{x}=%{{x}}, {y}=%{{y}}: %{{text}}<extra></extra>",
            colorbar={"title": {"text": metric_label(objective)}},
        )
    )
    figure.update_xaxes(type="category", title={"text": x})
    figure.update_yaxes(type="category", title={"text": y})
    return _layout(figure)


def line_figure(table: SweepTable, objective: str, x: str) -> Any:
    """``objective`` (:func:`objective_by_params`) at each value of the one parameter
    ``x``."""
    go = plotly_module("plotly.graph_objects")
    values = objective_by_params(table, objective)
    ordered = parameter_values(table, x)
    figure = go.Figure(
        go.Scatter(
            x=[_label(value) for value in ordered],
            y=[finite_or_none(values.get(value, math.nan)) for value in ordered],
            mode="lines+markers",
            name=metric_label(objective),
        )
    )
    numeric = _is_numeric(table.in_sample()[x])
    figure.update_xaxes(type="linear" if numeric else "category", title={"text": x})
    figure.update_yaxes(title={"text": metric_label(objective)})
    return _layout(figure)


def parallel_figure(table: SweepTable, objective: str) -> Any:
    """Parallel coordinates of the in-sample runs with a defined ``objective``: an axis per
    parameter (values in order; text, booleans and dates as labelled ticks), with folds
    the fold first, and the objective last, colouring the lines."""
    go = plotly_module("plotly.graph_objects")
    rows = table.in_sample()
    rows = rows[np.isfinite(rows[objective].astype("float64"))]
    names = (("fold",) if table.has_folds else ()) + table.params
    dimensions = [_dimension(rows[name], name, categorical=name == "fold") for name in names]
    scores = rows[objective].astype("float64")
    dimensions.append({"label": metric_label(objective), "values": scores.tolist()})
    figure = go.Figure(
        go.Parcoords(
            line={
                "color": scores.tolist(),
                "colorscale": "RdYlGn",
                "showscale": True,
                "colorbar": {"title": {"text": metric_label(objective)}},
            },
            dimensions=dimensions,
        )
    )
    figure.update_layout(
        template="plotly_white", margin={"l": 60, "r": 130, "t": 50, "b": 30}, height=400
    )
    return figure


def _dimension(column: pd.Series, name: str, *, categorical: bool) -> dict[str, Any]:
    if _is_numeric(column) and not categorical:
        return {"label": name, "values": column.astype("float64").tolist()}
    order = _in_order(column.tolist())
    position = {value: index for index, value in enumerate(order)}
    return {
        "label": name,
        "values": [position[value] for value in column.tolist()],
        "tickvals": list(range(len(order))),
        "ticktext": [_label(value) for value in order],
    }


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def _best_over_others(table: SweepTable, axes: Sequence[str]) -> str:
    others = [name for name in table.params if name not in axes]
    folds = ", mean over folds" if table.has_folds else ""
    if not others:
        return f" (in sample{folds})" if table.has_folds else ""
    return f" (best over {', '.join(others)}{folds})"


def _objective(table: SweepTable, objective: str | None) -> str:
    name = table.objective if objective is None else objective
    if name not in table.metrics:
        raise ConfigError(
            f"objective {name} is not a metric of the sweep table: give one of "
            f"{', '.join(table.metrics)}"
        )
    return name


def _ranked(frame: pd.DataFrame, objective: str) -> pd.DataFrame:
    scores = frame[objective].astype("float64")
    key = pd.DataFrame(
        {"score": scores.where(np.isfinite(scores)), "run": frame["run"].to_numpy()},
        index=frame.index,
    )
    order = key.sort_values(["score", "run"], ascending=[False, True], na_position="last")
    return frame.loc[order.index]


def _subtitle(table: SweepTable, objective: str) -> str:
    frame = table.frame
    params = ", ".join(table.params) if table.params else "no parameters"
    text = f"{len(frame):,} runs over {params}; objective {metric_label(objective)}"
    best = _ranked(table.in_sample(), objective)
    if len(best) and math.isfinite(float(best[objective].iloc[0])):
        row = best.head(1).to_dict("records")[0]  # a row as a Series would upcast its ints
        chosen = ", ".join(f"{name}={_label(row[name])}" for name in table.params)
        value = metric_text(objective, float(row[objective]))
        where = f"in sample, fold {row['fold']}, " if table.has_folds else ""
        text += f", best {value} ({where}run {row['run']}: {chosen})"
    if table.has_folds:
        text += f"; {frame['fold'].nunique():,} walk-forward folds"
    if table.source is not None:
        text += f"; from {table.source}"
    return text


def _runs_table(table: SweepTable, objective: str) -> str:
    folds = [name for name in FOLD_COLUMNS if name in table.frame.columns]
    errors = ["error"] if "error" in table.frame.columns else []
    columns = ["run", *folds, *table.params, *table.metrics, *errors]
    rows = _ranked(table.frame, objective)
    return _table_html(table, "runs-table", "rustybt-run", rows, columns, ("run",), objective)


def _folds_table(table: SweepTable, objective: str) -> str:
    frame = table.frame
    tests = frame[frame["phase"] == "test"].sort_values(["fold", "run"], kind="stable")
    train = frame[frame["phase"] == "train"]
    keys = ["fold", *table.params]
    in_sample = f"in_sample_{objective}"
    scores = train.groupby(keys, sort=False, dropna=False)[objective].max().rename(in_sample)
    tests = tests.join(scores, on=keys)
    columns = ["fold", "run", "start", "end", *table.params, in_sample, *table.metrics]
    return _table_html(
        table, "folds-table", "rustybt-fold", tests, columns, ("fold", "run"), extra={in_sample}
    )


def _table_html(
    table: SweepTable,
    table_id: str,
    row_class: str,
    rows: pd.DataFrame,
    columns: Sequence[str],
    keys: Sequence[str],
    objective: str | None = None,
    extra: set[str] | None = None,
) -> str:
    metrics = set(table.metrics) | (extra or set())
    marked = ' class="objective"'
    header = "".join(
        f'<th data-column="{escaped(name)}"{marked if name == objective else ""}>'
        f"{escaped(_heading(name, metrics))}</th>"
        for name in columns
    )
    lines = ['<div class="rustybt-table">', f'<table id="{table_id}">', f"<tr>{header}</tr>"]
    for record in rows[list(columns)].to_dict("records"):
        data = "".join(f' data-{key}="{escaped(_label(record[key]))}"' for key in keys)
        cells = "".join(
            _metric_cell(name, record[name])
            if name in metrics
            else f'<td data-column="{escaped(name)}">{escaped(_label(record[name]))}</td>'
            for name in columns
        )
        lines.append(f'<tr class="{row_class}"{data}>{cells}</tr>')
    if rows.empty:
        lines.append(f'<tr><td colspan="{len(columns)}">None.</td></tr>')
    lines += ["</table>", "</div>"]
    return "\n".join(lines)


def _heading(name: str, metrics: set[str]) -> str:
    if name.startswith("in_sample_"):
        return f"In-sample {metric_label(name.removeprefix('in_sample_')).lower()}"
    return metric_label(name) if name in metrics else name


def _metric_cell(name: str, value: Any) -> str:
    number = float(value) if value is not None else math.nan
    exact = "" if math.isnan(number) else repr(number)
    shown = metric_text(name.removeprefix("in_sample_"), number)
    return (
        f'<td class="number" data-column="{escaped(name)}" data-value="{escaped(exact)}">'
        f"{escaped(shown)}</td>"
    )


def _read(source: Path) -> SweepTable:
    import pyarrow.parquet as pq

    if not source.is_file():
        raise ConfigError(
            f"sweep table {source} does not exist: write one with `rustybt sweep ... -o {source}`"
        )
    try:
        arrow = pq.read_table(source)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise DataError(
            f"{source} is not a sweep table: it cannot be read as Parquet "
            f"({type(exc).__name__}); give the file `rustybt sweep -o` wrote"
        ) from exc
    metadata = (arrow.schema.metadata or {}).get(SWEEP_METADATA)
    return _table(arrow.to_pandas(), metadata, source)


def _table(frame: pd.DataFrame, metadata: object, source: Path | None) -> SweepTable:
    where = source if source is not None else "the table"
    if isinstance(metadata, bytes | str):
        try:
            metadata = json.loads(metadata)
        except json.JSONDecodeError:
            metadata = None
    if not isinstance(metadata, Mapping):
        raise DataError(
            f"{where} is not a sweep table of `rustybt sweep -o`: it has no readable "
            "rustybt.sweep metadata"
        )
    params, metrics, objective = (
        metadata.get("params"),
        metadata.get("metrics"),
        metadata.get("objective"),
    )
    if not (_names(params) and _names(metrics) and isinstance(objective, str)):
        raise DataError(
            f"{where} is not a sweep table of `rustybt sweep -o`: its rustybt.sweep metadata "
            "lacks params, metrics or objective"
        )
    missing = [name for name in ("run", *params, *metrics) if name not in frame.columns]
    if missing:
        raise DataError(
            f"{where} is not a sweep table of `rustybt sweep -o`: it lacks the columns "
            f"{', '.join(missing)} its metadata names"
        )
    if frame.empty:
        raise DataError(f"{where} holds no runs: there is nothing to report")
    frame = frame.sort_values("run", kind="stable").reset_index(drop=True)
    return SweepTable(
        frame=frame,
        params=tuple(params),
        metrics=tuple(metrics),
        objective=objective,
        source=source,
    )


def _names(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _layout(figure: Any) -> Any:
    figure.update_layout(
        template="plotly_white", margin={"l": 70, "r": 20, "t": 20, "b": 50}, height=420
    )
    return figure


def _label(value: Hashable) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else str(value)
    return str(value)
