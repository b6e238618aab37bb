"""Loading a strategy file, and pointing errors at the strategy's own line."""

from __future__ import annotations

import hashlib
import sys
import sysconfig
import traceback
import types
from pathlib import Path

from rustybt.algorithm import TradingAlgorithm
from rustybt.errors import RustyBTError, StrategyCodeError, StrategyError
from rustybt.install_hint import install_command

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_LIBRARY_DIRS = tuple(
    str(Path(sysconfig.get_paths()[key]).resolve())
    for key in ("stdlib", "platstdlib", "purelib", "platlib")
)
"""Where Python's and installed packages' frames live: never the strategy's own line."""


_OPTIONAL_INSTALLS = {"matplotlib": ("rustybt-core", "plot"), "talib": ("TA-Lib", None)}
"""What installs the modules zipline's example algorithms import beyond RustyBT: a package
and its extra."""


def strategy_error(exc: BaseException, strategy_path: str | None = None) -> StrategyCodeError:
    """``exc`` raised by strategy code, as a one-line error naming the strategy's file and line.

    The line is that of the innermost traceback frame in ``strategy_path`` (or, without a
    path, the innermost frame outside RustyBT, the standard library and installed packages).
    Raise it ``from exc``.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    frame = None
    strategy_file = str(Path(strategy_path).resolve()) if strategy_path else None
    for candidate in reversed(frames):
        if not candidate.filename:
            continue
        filename = str(Path(candidate.filename).resolve())
        if (strategy_file is not None and filename == strategy_file) or (
            strategy_file is None
            and _is_source_file(candidate.filename)
            and not filename.startswith((_PACKAGE_DIR, *_LIBRARY_DIRS))
        ):
            frame = candidate
            break
    what = str(exc) if isinstance(exc, RustyBTError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and exc.name in _OPTIONAL_INSTALLS:
        what += (
            f"; install it in this environment: {install_command(*_OPTIONAL_INSTALLS[exc.name])}"
        )
    elif isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "zipline":
        what += "; import from rustybt instead (rustybt.api for zipline.api)"
    if frame is None:
        return StrategyCodeError(f"{strategy_path}: {what}" if strategy_path else what)
    return StrategyCodeError(f"{frame.filename}:{frame.lineno} in {frame.name}: {what}")


def _is_source_file(filename: str) -> bool:
    """Whether a traceback frame's ``filename`` can be code a user wrote: an absolute path,
    a name such as ``<ipython-input-3>``, or a Python file relative to the working directory
    (a strategy run as ``rustybt run -f strategy.py``); compiled extensions (Cython's
    ``.pyx`` frames) name their file relative to where they were built."""
    if not filename:
        return False
    path = Path(filename)
    return (
        path.is_absolute() or filename.startswith("<") or (path.suffix == ".py" and path.is_file())
    )


def load_strategy(path: str | Path) -> TradingAlgorithm:
    """The algorithm defined in the Python file at ``path``.

    A file that defines one ``TradingAlgorithm`` subclass gives an instance of it; otherwise
    its module-level ``initialize``/``handle_data``/``before_trading_start``/``analyze``
    functions (Zipline style) are wrapped in a ``TradingAlgorithm``. A path that is no
    readable ``.py`` file, an empty file, a syntax error (with the offending code) or an
    exception while importing is a :class:`StrategyError` naming the file and line.
    """
    path = Path(path)
    return strategy_from_code(compile_strategy(read_strategy_source(path), path), path)


def load_strategy_source(source: str, path: str | Path) -> TradingAlgorithm:
    """The algorithm defined by ``source``, the text of the strategy file ``path`` (which
    need not exist here: it names the file in errors and is the module's ``__file__``), as
    :func:`load_strategy` makes it from the file."""
    return strategy_from_code(compile_strategy(source, path), path)


def read_strategy_source(path: str | Path) -> str:
    """The text of the strategy file at ``path``, or a :class:`StrategyError` saying why
    there is none to run (missing, a directory, not ``.py``, not UTF-8, empty)."""
    return _read_source(Path(path))


def compile_strategy(source: str, path: str | Path) -> types.CodeType:
    """``source`` compiled as the strategy file ``path``, once for any number of runs of
    :func:`strategy_from_code`; a syntax error is a :class:`StrategyError` naming the line."""
    try:
        return compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise StrategyError(_syntax_error(Path(path), exc)) from None


def strategy_from_code(code: types.CodeType, path: str | Path) -> TradingAlgorithm:
    """The algorithm that ``code`` (:func:`compile_strategy`) defines, executed in a fresh
    module: nothing a previous execution left in module globals is seen."""
    path = Path(path)
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
        try:
            algorithm = classes[0]()
        except StrategyError:
            raise
        except Exception as exc:
            raise strategy_error(exc, str(path)) from exc
    else:
        functions = {
            name: getattr(module, name, None)
            for name in ("initialize", "handle_data", "before_trading_start", "analyze")
        }
        if functions["initialize"] is None:
            raise StrategyError(
                f"{path}: defines neither initialize(context) nor a TradingAlgorithm subclass"
            )
        algorithm = TradingAlgorithm(name=path.stem, source_path=str(path), **functions)
    algorithm.source_path = str(path)
    return algorithm


def _read_source(path: Path) -> str:
    """The text of the strategy file at ``path``, or a StrategyError saying why there is
    none to run."""
    if path.is_dir():
        raise StrategyError(f"strategy file {path} is a directory; give the strategy's .py file")
    if not path.is_file():
        raise StrategyError(f"strategy file {path} not found")
    if path.suffix != ".py":
        raise StrategyError(f"strategy file {path} is not a Python file; a strategy is a .py file")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StrategyError(
            f"strategy file {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise StrategyError(f"cannot read strategy file {path}: {exc.strerror}") from None
    if not source.strip():
        raise StrategyError(f"strategy file {path} is empty; define initialize(context) in it")
    return source


def _syntax_error(path: Path, exc: SyntaxError) -> str:
    """``file:line: SyntaxError: reason``, then the offending line of code when known."""
    message = f"{path}:{exc.lineno}: SyntaxError: {exc.msg}"
    code = (exc.text or "").strip()
    return f"{message} at `{code}`" if code else message
