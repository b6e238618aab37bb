"""RustyBT's crypto exchange plugin through ccxt (issue #5).

It registers nothing until it works.
"""
