"""RustyBT's paper-trading broker: simulated fills identical to the backtest's."""
