"""RustyBT's paper-trading broker plugin (issue #6): it registers nothing until it works."""
