"""zipline's ``zipline.protocol``: what a strategy reads of its account and its bars, under
the module path zipline strategies import them from (``from rustybt.protocol import
Portfolio``)."""

from rustybt.bar_data import BarData
from rustybt.portfolio import Account, Portfolio, Position, Positions

__all__ = ["Account", "BarData", "Portfolio", "Position", "Positions"]
