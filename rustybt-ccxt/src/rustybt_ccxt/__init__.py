"""RustyBT's crypto exchange plugin through ccxt: the ``ccxt`` data source and broker.

Registered through the ``rustybt`` entry point ``ccxt`` (:mod:`rustybt_ccxt.hooks`).
:mod:`rustybt_ccxt.testing` holds a fake Binance spot exchange for offline tests.
"""
