"""Each kind of HTML report, opened offline in headless Chromium, draws every chart and
asks nothing of the network.

The browser is the machine's own Chromium (Debian's ``chromium`` package, at
``/usr/bin/chromium`` or on PATH) driven by Playwright for Python through
``executable_path``: Playwright never downloads a browser here. Without one of the two the
tests skip, saying which is missing and how to install it.

Screenshots are the tests' artifacts, in ``out/artifacts/report-browser/`` of the
repository (``out/`` is git-ignored), rewritten on every run: ``KIND.png`` the whole page,
``KIND-top.png`` its top 1280x1400 pixels. docs/images/report-backtest.png and
report-sweep.png are copies of ``backtest-top.png`` and ``sweep-top.png``.

A new kind of report is one more :class:`ReportKind` in ``KINDS``: how to make it from
nothing, and the charts and tables its page must show.

Plotly draws most charts in SVG, a group per trace in a plot's ``.mlayer``; parallel
coordinates (a sweep's) draw their axes in SVG and their lines with WebGL on canvases, so
for those the test reads the canvases' pixels back (headless Chromium renders WebGL in
software here).
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "report_compare", Path(__file__).with_name("test_report_compare.py")
)
assert _spec is not None and _spec.loader is not None
report_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_compare)
ARTIFACTS = REPO / "out" / "artifacts" / "report-browser"
VIEWPORT = {"width": 1280, "height": 900}
TOP = {"x": 0, "y": 0, "width": 1280, "height": 1400}
CHROMIUM_ARGS = (
    # As root (CI, containers) Chromium refuses to start sandboxed; this machine's network
    # is closed, so Chromium's own background connections are switched off rather than
    # refused by the dozen.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DRAWN = """ids => ids.every(id => document.querySelector(`#${id} svg.main-svg`))"""
TRACES = "svg.main-svg .mlayer > *"
"""What Plotly draws for each trace: a group in its layer (scatter, bar, heatmap) of a plot."""
PARCOORDS_AXES = "svg.main-svg .parcoords g.y-axis"
"""What Plotly draws in SVG for parallel coordinates: a group per axis."""
PAINTED = """div => Array.from(div.querySelectorAll("canvas.gl-canvas")).map(canvas => {
  const gl = canvas.getContext("webgl") || canvas.getContext("experimental-webgl");
  if (!gl) return 0;
  const pixels = new Uint8Array(canvas.width * canvas.height * 4);
  gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  let painted = 0;
  for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha] > 0) painted++;
  return painted;
})"""
"""The painted (not transparent) pixels of each WebGL canvas of a chart."""


@attrs.frozen
class ReportKind:
    """One kind of report: ``make`` writes it in an empty directory and returns its path;
    its page must draw ``charts`` (ids of ``div.rustybt-chart``; the ones in ``webgl``
    being parallel coordinates, whose lines are WebGL) and hold at least one row matching
    each of ``rows`` (CSS selectors)."""

    name: str
    make: Callable[[Path], Path]
    charts: tuple[str, ...]
    rows: tuple[str, ...]
    webgl: tuple[str, ...] = ()


def backtest_report(workdir: Path) -> Path:
    """The SMA crossover example over 2005-2012, as the docs make it."""
    report_compare.rustybt(
        workdir,
        *("run", "-f", "examples/sma_crossover.py"),
        *("--start", "2005-01-03", "--end", "2012-12-31", "-o", "results.parquet"),
    )
    report_compare.rustybt(workdir, "report", "results.parquet", "-o", "report.html")
    return workdir / "report.html"


def sweep_report(workdir: Path) -> Path:
    """A walk-forward sweep of the parameterised SMA crossover over 2005-2009, as the docs
    make it: a heatmap of fast and slow, parallel coordinates, the runs and the folds."""
    report_compare.rustybt(
        workdir,
        *("sweep", "-f", "examples/sma_params.py", "--start", "2005-01-03", "--end", "2009-12-31"),
        *("--grid", "fast=10:30:10", "--grid", "slow=50,100", "--walk-forward", "train=2y,test=1y"),
        *("--jobs", "2", "-o", "sweep.parquet"),
    )
    report_compare.rustybt(workdir, "report", "sweep.parquet", "-o", "sweep.html")
    return workdir / "sweep.html"


KINDS = (
    ReportKind(
        name="backtest",
        make=backtest_report,
        charts=(
            "chart-equity",
            "chart-drawdown",
            "chart-monthly-returns",
            "chart-annual-returns",
            "chart-rolling-sharpe",
            "chart-rolling-volatility",
            "chart-rolling-beta",
            "chart-exposure",
            "chart-positions",
            "chart-price-fills",
        ),
        rows=("#metrics-table tr[data-metric]", "#trades-table tr.rustybt-trade"),
    ),
    ReportKind(
        name="sweep",
        make=sweep_report,
        charts=("chart-sweep-heatmap", "chart-sweep-parallel"),
        rows=("#runs-table tr.rustybt-run", "#folds-table tr.rustybt-fold"),
        webgl=("chart-sweep-parallel",),
    ),
    ReportKind(
        name="backtest-vs-paper",
        make=report_compare.make_comparison_report,
        charts=report_compare.CHARTS,
        rows=report_compare.ROWS,
    ),
)


def chromium_executable() -> str | None:
    """Debian's Chromium, wherever the machine has it."""
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium under Playwright, or a skip naming what is missing."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip(
            "no Chromium for the browser test (looked for /usr/bin/chromium, and chromium "
            "and chromium-browser on PATH): install it with `apt-get install chromium`"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "Playwright for Python is missing for the browser test: `pip install playwright` "
            "(nox's e2e session installs it; it drives the machine's Chromium, "
            "no browser download needed)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_the_report_draws_every_chart_offline(
    kind: ReportKind, browser: Any, tmp_path: Path
) -> None:
    report = kind.make(tmp_path)
    page_url = report.resolve().as_uri()
    context = browser.new_context(viewport=VIEWPORT)
    requested: list[str] = []
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    context.on("request", lambda request: requested.append(request.url))
    # Anything but the page itself is refused, so a stray fetch cannot reach the network.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == page_url else route.abort(),
    )
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    try:
        page.goto(page_url, wait_until="load")
        page.wait_for_function(DRAWN, arg=list(kind.charts), timeout=30_000)
        charts_on_page = page.eval_on_selector_all(
            "div.rustybt-chart", "divs => divs.map(div => div.id)"
        )
        svgs = {chart: page.locator(f"#{chart} svg.main-svg").count() for chart in kind.charts}
        traces = {
            chart: page.locator(
                f"#{chart} {PARCOORDS_AXES if chart in kind.webgl else TRACES}"
            ).count()
            for chart in kind.charts
        }
        painted = {chart: page.eval_on_selector(f"#{chart}", PAINTED) for chart in kind.webgl}
        rows = {selector: page.locator(selector).count() for selector in kind.rows}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{kind.name}.png", full_page=True)
        page.screenshot(path=ARTIFACTS / f"{kind.name}-top.png", clip=TOP, full_page=True)
    finally:
        context.close()

    assert requested == [page_url]
    assert errors == []
    assert sorted(charts_on_page) == sorted(kind.charts)
    assert all(count >= 1 for count in svgs.values()), svgs
    assert all(count >= 1 for count in traces.values()), traces
    assert all(pixels and max(pixels) > 0 for pixels in painted.values()), painted
    assert all(count >= 1 for count in rows.values()), rows
