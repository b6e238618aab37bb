"""The ``ray`` executor passes the executor contract, its workers on the session's Ray head
(joined by address, as ``rustybt sweep --executor ray --ray-address`` does)."""

from __future__ import annotations

import pytest
from rustybt.testing import ExecutorContract
from rustybt_ray.executor import RayExecutor


class TestRayExecutor(ExecutorContract):
    executor_name = "ray"

    @pytest.fixture
    def executor_under_test(self, head_address: str) -> RayExecutor:
        return RayExecutor(jobs=2, address=head_address)
