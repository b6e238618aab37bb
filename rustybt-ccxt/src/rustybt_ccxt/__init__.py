"""RustyBT's crypto exchange data source and broker through ccxt plugin (issue #5): it registers nothing until it works."""
