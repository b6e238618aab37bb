"""Loading a strategy file, and pointing errors at the strategy's own line."""

from __future__ import annotations

import hashlib
import sys
import traceback
import types
from pathlib import Path

from rustybt.algorithm import TradingAlgorithm
from rustybt.errors import RustyBTError, StrategyCodeError, StrategyError

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


_OPTIONAL_INSTALLS = {
    "matplotlib": 'pip install "rustybt-core[plot]"',
    "talib": "pip install TA-Lib",
}
"""What installs the modules zipline's example algorithms import beyond RustyBT."""


def strategy_error(exc: BaseException, strategy_path: str | None = None) -> StrategyCodeError:
    """``exc`` raised by strategy code, as a one-line error naming the strategy's file and line.

    The line is that of the innermost traceback frame in ``strategy_path`` (or, without a
    path, the innermost frame outside RustyBT itself). Raise it ``from exc``.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    frame = None
    for candidate in reversed(frames):
        filename = str(Path(candidate.filename).resolve()) if candidate.filename else ""
        if (strategy_path and filename == str(Path(strategy_path).resolve())) or (
            not strategy_path and not filename.startswith(_PACKAGE_DIR)
        ):
            frame = candidate
            break
    what = str(exc) if isinstance(exc, RustyBTError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and exc.name in _OPTIONAL_INSTALLS:
        what += f"; install it in this environment: {_OPTIONAL_INSTALLS[exc.name]}"
    if frame is None:
        return StrategyCodeError(what)
    return StrategyCodeError(f"{frame.filename}:{frame.lineno} in {frame.name}: {what}")


def load_strategy(path: str | Path) -> TradingAlgorithm:
    """The algorithm defined in the Python file at ``path``.

    A file that defines one ``TradingAlgorithm`` subclass gives an instance of it; otherwise
    its module-level ``initialize``/``handle_data``/``before_trading_start``/``analyze``
    functions (Zipline style) are wrapped in a ``TradingAlgorithm``. A missing file, a
    syntax error or an exception while importing is a :class:`StrategyError` naming the
    file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise StrategyError(f"strategy file {path} not found")
    source = path.read_text(encoding="utf-8")
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise StrategyError(f"{path}:{exc.lineno}: SyntaxError: {exc.msg}") from None
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    module = types.ModuleType(f"rustybt_strategy_{path.stem}_{digest}")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        raise strategy_error(exc, str(path)) from exc
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, TradingAlgorithm)
        and value.__module__ == module.__name__
    ]
    if len(classes) > 1:
        names = ", ".join(sorted(c.__name__ for c in classes))
        raise StrategyError(
            f"{path}: defines several TradingAlgorithm subclasses ({names}); keep one"
        )
    if classes:
        algorithm = classes[0]()
    else:
        functions = {
            name: getattr(module, name, None)
            for name in ("initialize", "handle_data", "before_trading_start", "analyze")
        }
        if functions["initialize"] is None:
            raise StrategyError(
                f"{path}: defines neither initialize(context) nor a TradingAlgorithm subclass"
            )
        algorithm = TradingAlgorithm(name=path.stem, **functions)
    algorithm.source_path = str(path)
    return algorithm
