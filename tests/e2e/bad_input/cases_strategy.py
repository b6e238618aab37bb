"""Bad strategies: files that are no strategy, code that does not parse or import, code
that raises or exits, and order, history and scheduling calls with impossible arguments.
Each error names the strategy's own file and line, never RustyBT's."""

from __future__ import annotations

from bad_input_corpus import STRATEGY, Case

RUN = ["run", "-f", "s.py", "--start", "2010-01-04", "--end", "2010-01-29"]


def strategy_case(
    name: str, source: str | bytes, message: str, exit_code: int = 1, path: str = "s.py"
) -> Case:
    """``rustybt run`` of the strategy file ``path`` holding ``source``."""
    return Case(
        name=f"strategy: {name}",
        args=["run", "-f", path, *RUN[3:]],
        files={path: source},
        message=message,
        exit_code=exit_code,
    )


def call_case(name: str, call: str, message: str) -> Case:
    """A strategy holding AAPL (as ``context.asset``) that makes ``call`` in handle_data,
    on line 10 of s.py."""
    source = (
        "import math\n"
        "from decimal import Decimal\n"
        "from rustybt.api import *\n"
        "from rustybt.finance.execution import LimitOrder\n"
        "\n"
        "def initialize(context):\n"
        "    context.asset = symbol('AAPL')\n"
        "\n"
        "def handle_data(context, data):\n"
        f"    {call}\n"
    )
    return strategy_case(name, source, rf"^error: s\.py:10 in handle_data: {message}")


CASES = [
    # -- the file ---------------------------------------------------------------------------
    Case(name="strategy: file not found", args=RUN, message=r"strategy file s\.py not found"),
    Case(
        name="strategy: a directory",
        args=RUN,
        files={"s.py/.keep": ""},
        message=r"strategy file s\.py is a directory; give the strategy's \.py file",
    ),
    strategy_case(
        "not a .py file",
        STRATEGY,
        r"strategy file s\.txt is not a Python file; a strategy is a \.py file",
        path="s.txt",
    ),
    strategy_case("empty file", "", r"strategy file s\.py is empty; define initialize"),
    strategy_case("blank lines only", "\n  \n\n", r"strategy file s\.py is empty"),
    strategy_case(
        "not UTF-8",
        b"\xff\xfe\x00def initialize(context): pass\n",
        r"strategy file s\.py is not UTF-8 text \(byte 0xff at offset 0\); save it as UTF-8",
    ),
    # -- parsing and importing ------------------------------------------------------------
    strategy_case(
        "syntax error",
        "def initialize(context)\n    pass\n",
        r"^error: s\.py:1: SyntaxError: expected ':' at `def initialize\(context\)`$",
    ),
    strategy_case(
        "bracket never closed",
        "def initialize(context):\n    x = (1,\n",
        r"s\.py:2: SyntaxError: '\(' was never closed",
    ),
    strategy_case(
        "tabs mixed with spaces",
        "def initialize(context):\n\tpass\n        pass\n",
        r"s\.py:3: SyntaxError: inconsistent use of tabs and spaces",
    ),
    strategy_case(
        "no initialize",
        "def handle_data(context, data):\n    pass\n",
        r"s\.py: defines neither initialize\(context\) nor a TradingAlgorithm subclass",
    ),
    strategy_case(
        "initialize is no function",
        "initialize = 5\n",
        r"s\.py: initialize is int 5, not a function; define it as def initialize\(context\):",
    ),
    strategy_case(
        "initialize without context",
        "def initialize():\n    pass\n",
        r"s\.py:1: initialize\(\) cannot be called as initialize\(context\)",
    ),
    strategy_case(
        "handle_data without data",
        "def initialize(context):\n    pass\n\ndef handle_data(context):\n    pass\n",
        r"s\.py:4: handle_data\(context\) cannot be called as handle_data\(context, data\)",
    ),
    strategy_case(
        "two algorithm classes",
        "from rustybt import TradingAlgorithm\n"
        "class A(TradingAlgorithm):\n    pass\n"
        "class B(TradingAlgorithm):\n    pass\n",
        r"s\.py: defines several TradingAlgorithm subclasses \(A, B\); keep one",
    ),
    strategy_case(
        "algorithm class needing arguments",
        "from rustybt import TradingAlgorithm\n"
        "class A(TradingAlgorithm):\n    def __init__(self, x):\n        super().__init__()\n",
        r"s\.py: TypeError: A\.__init__\(\) missing 1 required positional argument: 'x'",
    ),
    strategy_case(
        "algorithm method without context",
        "from rustybt import TradingAlgorithm\n"
        "class A(TradingAlgorithm):\n    def initialize(self):\n        pass\n",
        r"s\.py:3: initialize\(\) cannot be called as initialize\(context\); "
        r"define it as def initialize\(self, context\):",
    ),
    strategy_case(
        "module not found",
        "import nosuchmodule\n\ndef initialize(context):\n    pass\n",
        r"s\.py:1 in <module>: ModuleNotFoundError: No module named 'nosuchmodule'",
    ),
    strategy_case(
        "module not found in initialize",
        "def initialize(context):\n    import nosuchmodule\n",
        r"s\.py:2 in initialize: ModuleNotFoundError: No module named 'nosuchmodule'",
    ),
    strategy_case(
        "zipline imports",
        "from zipline.api import order\n\ndef initialize(context):\n    pass\n",
        r"s\.py:1 in <module>: ModuleNotFoundError: No module named 'zipline'; "
        r"import from rustybt instead",
    ),
    strategy_case(
        "name missing from rustybt.api",
        "from rustybt.api import nothing_here\n\ndef initialize(context):\n    pass\n",
        r"s\.py:1 in <module>: ImportError: cannot import name 'nothing_here'",
    ),
    strategy_case(
        "exception while importing",
        "raise ValueError('bad setting')\n",
        r"s\.py:1 in <module>: ValueError: bad setting",
    ),
    # -- running --------------------------------------------------------------------------
    strategy_case(
        "exception in initialize",
        "def initialize(context):\n    1 / 0\n",
        r"^error: s\.py:2 in initialize: ZeroDivisionError: division by zero$",
    ),
    strategy_case(
        "exception in a helper",
        "def lookup(context):\n    return {}['window']\n\n"
        "def initialize(context):\n    pass\n\n"
        "def handle_data(context, data):\n    lookup(context)\n",
        r"^error: s\.py:2 in lookup: KeyError: 'window'$",
    ),
    strategy_case(
        "exception in before_trading_start",
        "def initialize(context):\n    pass\n\n"
        "def before_trading_start(context, data):\n    raise RuntimeError('no signal')\n",
        r"s\.py:5 in before_trading_start: RuntimeError: no signal",
    ),
    strategy_case(
        "exception in analyze",
        "def initialize(context):\n    pass\n\n"
        "def analyze(context, perf):\n    raise RuntimeError('no plot')\n",
        r"s\.py:5 in analyze: RuntimeError: no plot",
    ),
    strategy_case(
        "endless recursion",
        "def initialize(context):\n    def deeper():\n        deeper()\n    deeper()\n",
        r"s\.py:3 in deeper: RecursionError: maximum recursion depth exceeded",
    ),
    strategy_case(
        "sys.exit while importing",
        "import sys\nsys.exit(3)\n",
        r"sys\.exit\(3\) at s\.py:2 in <module> ended the command; a strategy or plugin must not "
        r"exit the process",
        exit_code=3,
    ),
    strategy_case(
        "sys.exit in initialize",
        "import sys\n\ndef initialize(context):\n    sys.exit()\n",
        r"sys\.exit\(\) at s\.py:4 in initialize ended the command",
        exit_code=3,
    ),
    strategy_case(
        "sys.exit(0) in handle_data",
        "import sys\n\ndef initialize(context):\n    pass\n\n"
        "def handle_data(context, data):\n    sys.exit(0)\n",
        r"sys\.exit\(0\) at s\.py:7 in handle_data ended the command",
        exit_code=3,
    ),
    strategy_case(
        "KeyboardInterrupt raised",
        "def initialize(context):\n    raise KeyboardInterrupt\n",
        r"^error: stopped by SIGINT$",
        exit_code=130,
    ),
    strategy_case(
        "unknown symbol",
        "from rustybt.api import symbol\n\ndef initialize(context):\n    symbol('ZZZZ')\n",
        r"s\.py:4 in initialize: unknown symbol 'ZZZZ' in source 'sample'",
    ),
    strategy_case(
        "symbol given a number",
        "from rustybt.api import symbol\n\ndef initialize(context):\n    symbol(5)\n",
        r"s\.py:4 in initialize: symbol\(\) takes a ticker string, got 5",
    ),
    strategy_case(
        "schedule_function given no function",
        "from rustybt.api import schedule_function\n\n"
        "def initialize(context):\n    schedule_function(5)\n",
        r"s\.py:4 in initialize: schedule_function\(5\): the first argument must be the "
        r"function to run",
    ),
    strategy_case(
        "schedule_function with the rules swapped",
        "from rustybt.api import *\n\ndef rebalance(context, data):\n    pass\n\n"
        "def initialize(context):\n"
        "    schedule_function(rebalance, time_rules.market_open(), date_rules.every_day())\n",
        r"s\.py:7 in initialize: schedule_function: date_rule .* is no date rule",
    ),
    # -- orders ---------------------------------------------------------------------------
    call_case(
        "order of 1e30 shares",
        "order(context.asset, 1e30)",
        r"order\(AAPL, 1e\+30\): 1e\+30 units is more than any order may be \(1e\+15\)",
    ),
    call_case(
        "order of NaN shares",
        "order(context.asset, math.nan)",
        r"order\(AAPL, nan\): nan is not a finite number",
    ),
    call_case(
        "order of infinite shares",
        "order(context.asset, -math.inf)",
        r"order\(AAPL, -inf\): -inf is not a finite number",
    ),
    call_case(
        "order of Decimal NaN shares",
        "order(context.asset, Decimal('NaN'))",
        r"order\(AAPL, NaN\): NaN is not a finite number",
    ),
    call_case(
        "order of a word",
        "order(context.asset, 'ten')",
        r"order\(AAPL, ten\): 'ten' is not a number",
    ),
    call_case(
        "order of None", "order(context.asset, None)", r"order\(AAPL, None\): None is not a number"
    ),
    call_case(
        "order of a list",
        "order(context.asset, [1])",
        r"order\(AAPL, \[1\]\): \[1\] is not a number",
    ),
    call_case(
        "limit price NaN",
        "order(context.asset, 1, limit_price=math.nan)",
        r"order\(AAPL, 1\): nan is not a finite number \(given as limit_price\)",
    ),
    call_case(
        "limit price infinite",
        "order(context.asset, 1, limit_price=math.inf)",
        r"order\(AAPL, 1\): inf is not a finite number \(given as limit_price\)",
    ),
    call_case(
        "stop price NaN",
        "order(context.asset, 1, stop_price=math.nan)",
        r"order\(AAPL, 1\): nan is not a finite number \(given as stop_price\)",
    ),
    call_case(
        "negative limit price",
        "order(context.asset, 1, limit_price=-5)",
        r"order\(AAPL, 1\): a limit price of -5 is negative",
    ),
    call_case(
        "limit price of 1e300",
        "order(context.asset, 1, limit_price=1e300)",
        r"order\(AAPL, 1\): a limit price of 1e\+300 is more than any price may be \(1e\+15\)",
    ),
    call_case(
        "LimitOrder of NaN",
        "order(context.asset, 1, style=LimitOrder(math.nan))",
        r"LimitOrder\(nan\): nan is not a finite number",
    ),
    call_case(
        "style given as a word",
        "order(context.asset, 1, style='market')",
        r"order\(AAPL, 1, style='market'\): style must be an order style such as LimitOrder",
    ),
    call_case(
        "order of a ticker string",
        "order('AAPL', 1)",
        r"order\(\) needs an asset from symbol\('\.\.\.'\), got 'AAPL'",
    ),
    call_case(
        "order_target_percent of NaN",
        "order_target_percent(context.asset, math.nan)",
        r"order_target_percent\(AAPL, nan\): nan is not a finite number",
    ),
    call_case(
        "order_target_percent of 1e30",
        "order_target_percent(context.asset, 1e30)",
        r"order_target_percent\(AAPL, 1e\+30\): .* units is more than any order may be",
    ),
    call_case(
        "order_value of infinity",
        "order_value(context.asset, math.inf)",
        r"order_value\(AAPL, inf\): inf is not a finite number",
    ),
    call_case(
        "order_percent of NaN",
        "order_percent(context.asset, math.nan)",
        r"order_percent\(AAPL, nan\): nan is not a finite number",
    ),
    call_case(
        "order_target of minus infinity",
        "order_target(context.asset, -math.inf)",
        r"order_target\(AAPL, -inf\): -inf is not a finite number",
    ),
    call_case(
        "order_target_value of NaN",
        "order_target_value(context.asset, math.nan)",
        r"order_target_value\(AAPL, nan\): nan is not a finite number",
    ),
    call_case(
        "batch_market_order of NaN",
        "batch_market_order({context.asset: math.nan})",
        r"batch_market_order\(AAPL, nan\): nan is not a finite number",
    ),
    call_case(
        "cancel_order of a number",
        "cancel_order(5)",
        r"cancel_order\(5\): give an order id \(what order\(\) returns\)",
    ),
    call_case("get_order of a number", "get_order(5)", r"get_order\(5\): give an order id"),
    # -- data -----------------------------------------------------------------------------
    call_case(
        "history of NaN bars",
        "data.history(context.asset, 'price', math.nan, '1d')",
        r"bar_count must be a whole number of bars, got nan",
    ),
    call_case(
        "history of a billion bars",
        "data.history(context.asset, 'price', 10**9, '1d')",
        r"bar_count 1000000000 is more than any history window may be \(1,000,000 bars\)",
    ),
    call_case(
        "history of no bars",
        "data.history(context.asset, 'price', 0, '1d')",
        r"bar_count must be at least 1, got 0",
    ),
    call_case(
        "history of weekly bars",
        "data.history(context.asset, 'price', 10, '1w')",
        r"history frequency '1w' is not available in a run with '1d' bars",
    ),
    call_case(
        "current price of None",
        "data.current(None, 'price')",
        r"expected an asset or a list of assets \(from symbol\('\.\.\.'\)\), got None",
    ),
    call_case(
        "current of an unknown field",
        "data.current(context.asset, 'nope')",
        r"unknown field 'nope'; use one of close, high",
    ),
]
