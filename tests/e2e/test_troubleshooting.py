"""docs/troubleshooting.md explains every error message the source can show a user.

A new error without an entry fails here, naming its file and line; so does an entry whose
text the source no longer writes. Entries quote messages with `…` for the variable parts
(see error_messages.py), so a moved or renamed variable changes nothing.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "troubleshooting.md"
_spec = importlib.util.spec_from_file_location(
    "error_messages", Path(__file__).with_name("error_messages.py")
)
error_messages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(error_messages)

TEMPLATES = error_messages.error_templates(REPO)
PATTERNS = error_messages.documented_patterns(PAGE.read_text())


def test_every_error_message_in_the_source_has_an_entry() -> None:
    assert len(TEMPLATES) > 100 and len(PATTERNS) > 100
    missing = [
        template
        for template in TEMPLATES
        if not any(pattern.covers(template.text) for pattern in PATTERNS)
    ]
    assert not missing, (
        "docs/troubleshooting.md has no entry for these messages; add a row quoting each, "
        "`…` for the variable parts, with its meaning and what to do:\n"
        + "\n".join(map(str, missing))
    )


def test_every_entry_quotes_text_the_source_still_writes() -> None:
    strings = error_messages.literal_templates(REPO)
    stale = [
        f"{pattern.text!r}: {piece!r}"
        for pattern in PATTERNS
        for piece in pattern.pieces()
        if not any(piece in text for text in strings)
    ]
    assert not stale, (
        "docs/troubleshooting.md quotes text no message contains any more; reword the entry "
        "as the code now says, or remove it:\n" + "\n".join(stale)
    )


def test_every_error_class_is_explained() -> None:
    trees = [ast.parse(path.read_text()) for path in error_messages.source_files(REPO)]
    classes = error_messages.error_classes(trees)
    assert {"ConfigError", "NoBarsError", "TradingControlViolation"} <= classes
    text = PAGE.read_text()
    missing = sorted(name for name in classes if f"| `{name}` |" not in text)
    assert not missing, f"docs/troubleshooting.md's error types table lacks: {missing}"


def test_templates_patterns_and_coverage() -> None:
    [call] = ast.parse("DataError(f'no bars of {symbol} in {a.b!r}' + ' today')").body
    assert error_messages.template_of(call.value.args[0]) == "no bars of … in … today"
    page = (
        "| message | meaning |\n|---|---|\n"
        "| `no bars of …` <br> ``run `x` …`` | m |\n\n| other | x |\n|---|---|\n| `not me` | x |\n"
    )
    first, second = error_messages.documented_patterns(page)
    assert (first.text, second.text) == ("no bars of …", "run `x` …")
    assert first.covers("no bars of … in … today")
    assert not first.covers("source: no bars of …")
