"""Running RustyBT for weeks: the engine's event log and what can be learned from it."""
