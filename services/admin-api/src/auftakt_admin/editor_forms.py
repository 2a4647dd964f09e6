"""An editor page's posted form as nested values, and the owner's errors put back on it.

A page's inputs are named by their place in the content (`bands.2.base_min`,
`questions.0.answers.1.points.partyband`); the posted form becomes nested *values*
(text as typed: what the page shows again after a refusal), rows marked for removal
and empty rows are left out of the command, and the owner's field errors (counted in
the rows it was sent) are put back onto the inputs they concern."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auftakt_common.commands import FieldError
from pydantic import BaseModel

__all__ = [
    "Command",
    "INDEX",
    "Values",
    "checked",
    "kept",
    "parse_values",
    "rows_of",
    "values_of",
    "with_empty_rows",
]

Values = dict[str, Any]  # text leaves, lists of rows (values), dicts (an answer's points)

_CHECKBOXES = {"remove", "required", "active"}
INDEX = re.compile(r"[0-9]{1,4}")  # a row's number in an input's name


@dataclass(frozen=True, slots=True)
class Command:
    """What goes to capture, and for each list in it the page's row index of every row
    sent (`rows["questions.3.answers"] = [0, 2]`: row 1 was left out)."""

    body: dict[str, Any]
    rows: dict[str, list[int]] = field(default_factory=dict)

    def errors(self, errors: list[FieldError]) -> dict[str, str]:
        """Capture's errors by the name of the input (or row) they concern; `body` and ""
        concern the whole form."""
        placed: dict[str, str] = {}
        for error in errors:
            path = self._page_path(error.field)
            message = error.message.removeprefix("Value error, ")
            placed[path] = f"{placed[path]}; {message}" if path in placed else message
        return placed

    def _page_path(self, path: str) -> str:
        parts: list[str] = []
        for part in path.split(".") if path else []:
            sent = self.rows.get(".".join(parts))
            if sent is not None and INDEX.fullmatch(part) and int(part) < len(sent):
                part = str(sent[int(part)])
            parts.append(part)
        return ".".join(parts)


def parse_values(form: Mapping[str, str]) -> Values:
    """The posted inputs as nested values: numbered parts become rows in page order."""
    tree: dict[str, Any] = {}
    for name, value in form.items():
        if name == "csrf_token":
            continue
        *path, last = name.split(".")
        node: Any = tree
        for part in path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[last] = value
    return _as_rows(tree)  # type: ignore[no-any-return]


def _as_rows(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(INDEX.fullmatch(key) for key in node):
        return [_as_rows(node[key]) for key in sorted(node, key=int)]
    return {key: _as_rows(value) for key, value in node.items()}


def values_of(model: BaseModel) -> Values:
    """What an editor shows of a definition (its `version` aside), as the page's text."""
    dumped = model.model_dump(mode="json", exclude={"version"})
    return {key: _as_text(value) for key, value in dumped.items()}


def _as_text(value: Any) -> Any:
    """A ticked box is "on", nothing is ""."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if value is None or value is False:
        return ""
    return "on" if value is True else str(value)


def rows_of(values: Values, name: str) -> list[Values]:
    """The rows of a table as posted (whatever else came under its name is no row)."""
    rows = values.get(name)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def with_empty_rows(rows: list[Values], count: int) -> list[Values]:
    """The rows (without the empty ones they end with) and `count` empty ones to fill in:
    a page's way to add rows without script."""
    end = len(rows)
    while end and _blank(rows[end - 1]):
        end -= 1
    return [*rows[:end], *({} for _ in range(count))]


def _blank(row: Any) -> bool:
    if isinstance(row, dict):
        return all(_blank(value) for key, value in row.items() if key not in _CHECKBOXES)
    if isinstance(row, list):
        return all(_blank(item) for item in row)
    return not str(row).strip()


def kept(values: Values, name: str) -> list[tuple[int, Values]]:
    """The rows to send with their page index: not marked for removal, not empty."""
    return [
        (index, row)
        for index, row in enumerate(rows_of(values, name))
        if not checked(row, "remove") and not _blank(row)
    ]


def checked(values: Mapping[str, Any], name: str) -> bool:
    return values.get(name) in ("on", "true", "1")
