"""Money and trading mechanics: orders, fills, cost models, the ledger.

``from rustybt.finance import commission, slippage`` works as in Zipline.
"""

from rustybt.finance import cancel_policy, commission, slippage

__all__ = ["cancel_policy", "commission", "slippage"]
