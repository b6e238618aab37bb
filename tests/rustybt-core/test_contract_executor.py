"""Core's ``local`` executor passes the executor contract, built from the registry as
``rustybt sweep`` builds it (one worker process per CPU)."""

from __future__ import annotations

from rustybt.testing import ExecutorContract


class TestLocalExecutor(ExecutorContract):
    executor_name = "local"
