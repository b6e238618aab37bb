"""The paper package's tests: their shared module (``replayed_sessions``) imports as a
top-level module, as the differential suite's do."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
