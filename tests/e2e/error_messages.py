"""The error messages a user can meet, found in the source, and the message patterns that
docs/troubleshooting.md documents.

A *template* is a message with each formatted value replaced by ``…``:
``f"unknown symbol '{symbol}' in source '{name}'"`` is ``unknown symbol '…' in source '…'``.
The templates of :func:`error_templates` come from every call that builds a RustyBT error
(``RustyBTError`` and its subclasses, found from the ``class`` statements themselves), a
usage error (``BadParameter``) or a ``verify-config`` problem (``ConfigProblem(message=)``)
in the packages' sources, test support (``testing/``) left out. A message without a literal
word of its own (``DataError(str(exc))``) only passes another one on and yields none.

A *pattern* is a code span in the first column of a table headed ``message`` in the
troubleshooting page, ``…`` standing for any text. It covers a template it matches whole, so
a pattern ending in ``…`` covers every message that starts like it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import attrs

PLACEHOLDER = "…"
ROOT_ERROR = "RustyBTError"
# Other calls whose message reaches a user: usage errors, and verify-config's problems.
MESSAGE_CALLS = {"BadParameter": 0, "ConfigProblem": "message"}
_WORD = re.compile(r"[A-Za-z]{3,}")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


@attrs.frozen
class Template:
    """One message as the source builds it, and where."""

    text: str
    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.text}"


@attrs.frozen
class Pattern:
    """One documented message, ``…`` standing for any text."""

    text: str

    def pieces(self) -> list[str]:
        """The pattern's literal text runs, stripped of the separators around them (a
        message assembled from several strings is quoted whole, but each run comes from one
        of them)."""
        runs = (piece.strip(" :;,.") for piece in self.text.split(PLACEHOLDER))
        return [run for run in runs if _WORD.search(run)]

    def covers(self, template: str) -> bool:
        """Whether this pattern matches all of ``template``."""
        pieces = (re.escape(piece) for piece in self.text.split(PLACEHOLDER))
        return re.fullmatch(".*".join(pieces), template, flags=re.DOTALL) is not None


def source_files(repo: Path) -> list[Path]:
    """Every module of every package, test support left out."""
    return [
        path
        for path in sorted(repo.glob("rustybt-*/src/**/*.py"))
        if "testing" not in path.relative_to(repo).parts
    ]


def error_classes(trees: list[ast.Module]) -> set[str]:
    """``RustyBTError`` and the name of every class that derives from it."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {_name(base) for base in node.bases}
    found = {ROOT_ERROR}
    while grown := {name for name, parents in bases.items() if parents & found} - found:
        found |= grown
    return found


def error_templates(repo: Path) -> list[Template]:
    """The template of every user-facing message built in the source (see the module)."""
    files = source_files(repo)
    trees = [ast.parse(path.read_text(), str(path)) for path in files]
    calls: dict[str, int | str] = dict.fromkeys(error_classes(trees), 0) | MESSAGE_CALLS
    templates = []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) not in calls:
                continue
            message = _argument(node, calls[_name(node.func)])
            text = template_of(message) if message is not None else PLACEHOLDER
            if _WORD.search(text.replace(PLACEHOLDER, " ")):
                templates.append(Template(text, str(path.relative_to(repo)), node.lineno))
    return templates


def literal_templates(repo: Path) -> set[str]:
    """The template of every string the source writes, messages or parts of them."""
    found = set()
    for path in source_files(repo):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr | ast.BinOp) or (
                isinstance(node, ast.Constant) and isinstance(node.value, str)
            ):
                found.add(template_of(node))
    return found


def template_of(node: ast.expr) -> str:
    """The text a string expression builds, each computed part as one ``…``."""
    return re.sub(f"{PLACEHOLDER}+", PLACEHOLDER, "".join(_pieces(node)))


def documented_patterns(page: str) -> list[Pattern]:
    """The code spans in the first column of every ``| message | ...`` table of ``page``."""
    patterns: list[Pattern] = []
    in_table = False
    for line in page.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if not in_table:
            in_table = cells[:1] == ["message"]
            continue
        for match in _CODE_SPAN.finditer(cells[0].replace("\\|", "|")):
            text = match.group(2)
            if match.group(1) != "`" and text.startswith(" ") and text.endswith(" "):
                text = text[1:-1]
            patterns.append(Pattern(text))
    return patterns


def _pieces(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            yield from _pieces(value) if isinstance(value, ast.Constant) else PLACEHOLDER
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _pieces(node.left)
        yield from _pieces(node.right)
    else:
        yield PLACEHOLDER


def _argument(call: ast.Call, where: int | str) -> ast.expr | None:
    if isinstance(where, int):
        return call.args[where] if len(call.args) > where else None
    return next((kw.value for kw in call.keywords if kw.arg == where), None)


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""
