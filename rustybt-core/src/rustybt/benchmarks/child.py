"""``python -m rustybt.benchmarks.child NAME SCALE``: run one benchmark, print JSON."""

from __future__ import annotations

import json
import sys

from rustybt.benchmarks.measurement import run_here

if __name__ == "__main__":
    name, scale = sys.argv[1], float(sys.argv[2])
    print(json.dumps(run_here(name, scale)))
