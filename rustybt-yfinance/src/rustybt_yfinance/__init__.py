"""RustyBT's Yahoo Finance data source plugin (issue #4): it registers nothing until it works."""
