# File: validation_strategy.py
from rustybt import TradingAlgorithm

class ValidationStrategy(TradingAlgorithm):
    """
    Simple moving average crossover strategy for paper trading validation.
    Designed to execute trades regularly to test system stability.
    """

    def initialize(self, context):
        """Initialize strategy."""
        context.asset = self.symbol('SPY')
        context.short_window = 5
        context.long_window = 20
        context.trades_executed = 0

        # Set up daily rebalancing
        self.schedule_function(
            self.rebalance,
            date_rule=self.date_rules.every_day(),
            time_rule=self.time_rules.market_open(hours=1)
        )

    def rebalance(self, context, data):
        """Execute trading logic."""
        # Get price history
        prices = data.history(
            context.asset,
            'close',
            context.long_window,
            '1d'
        )

        # Calculate moving averages
        short_ma = prices[-context.short_window:].mean()
        long_ma = prices[-context.long_window:].mean()

        # Get current position
        position = context.portfolio.positions.get(context.asset)

        # Trading logic
        if short_ma > long_ma and (not position or position.amount == 0):
            # Buy signal
            self.order_target_percent(context.asset, 0.95)
            context.trades_executed += 1
            self.log.info(f"BUY signal - Trade #{context.trades_executed}")

        elif short_ma < long_ma and position and position.amount > 0:
            # Sell signal
            self.order_target_percent(context.asset, 0.0)
            context.trades_executed += 1
            self.log.info(f"SELL signal - Trade #{context.trades_executed}")

        # Log daily heartbeat
        self.log.info(
            f"Heartbeat - Portfolio Value: ${context.portfolio.portfolio_value:.2f}, "
            f"Trades: {context.trades_executed}"
        )
