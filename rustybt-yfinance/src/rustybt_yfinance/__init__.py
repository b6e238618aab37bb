"""RustyBT's Yahoo Finance data source (``--source yfinance``), built on the yfinance library.

The plugin registers the data source ``yfinance`` (see :mod:`rustybt_yfinance.source`);
:mod:`rustybt_yfinance.testing` holds a fake Yahoo server for offline tests.
"""
