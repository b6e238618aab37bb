"""Every bad input in the corpus ends with one clear line, the right exit code, and nothing
lost or left behind (see corpus.py for the promises and cases_*.py for the cases)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).parent


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bad_input_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus")
# The cases modules import Case from here by this name (tests are not a package).
sys.modules["bad_input_corpus"] = corpus
CASES = [case for path in sorted(HERE.glob("cases_*.py")) for case in _load(path.stem).CASES]


def test_the_corpus_is_large_and_each_name_is_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 150
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_gets_one_clear_line(
    case: object, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    corpus.run_case(case, tmp_path, capfd)
