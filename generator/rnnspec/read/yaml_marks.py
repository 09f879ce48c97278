"""A YAML reader that builds plain data from PyYAML's events, recording marks.

Building from events (not from PyYAML's recursive composer and constructor) keeps
nesting, alias expansion and the number of values bounded while reading, so an alias
bomb or a deeply nested file is refused at the place that crosses the limit, quickly
and in little memory. Only strings, integers, floats, booleans and null are values;
explicit tags, dates, non-string keys and recursive aliases are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .marks import (
    EMPTY,
    Budget,
    Mark,
    Marks,
    TextProblem,
    check_depth,
    check_float,
    check_int,
    check_string,
    describe,
    too_large,
)
from ..spec.limits import Path

_CORE = "tag:yaml.org,2002:"
_NO_KEY = object()


def read_yaml(text: str) -> tuple[Any, Marks]:
    """Plain data and marks for a YAML text; `TextProblem` for anything refused."""
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        return _Builder(loader).build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _mark(mark) if mark else (1, 1)
        hint = _HINTS.get(str(exc.problem), "")
        raise TextProblem(
            where, f"not valid YAML: {exc.problem}{hint}", syntax=True
        ) from None
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        where = (before.count("\n") + 1, len(before) - before.rfind("\n"))
        raise TextProblem(
            where,
            f"not valid YAML: {exc.reason}, got #x{exc.character:04x}",
            syntax=True,
        ) from None
    except yaml.YAMLError as exc:
        raise TextProblem((1, 1), f"not valid YAML: {exc}", syntax=True) from None
    finally:
        if loader is not None:
            loader.dispose()


# PyYAML's messages that say little about the usual cause, and what does.
_HINTS = {
    "mapping values are not allowed here": " (is this line indented deeper than the "
    "key above it, or does an unquoted value hold ': '?)",
    "expected <block end>, but found '<block mapping start>'": " (is this line "
    "indented differently from the keys beside it?)",
}


def _mark(mark: yaml.Mark) -> Mark:
    return mark.line + 1, mark.column + 1


@dataclass
class _Frame:
    """A mapping or list being read."""

    path: Path
    data: Any
    anchor: str | None
    size: int = 1  # nodes, itself included
    height: int = 1  # levels of nesting, itself included
    key: Any = _NO_KEY  # a mapping's key that waits for its value


@dataclass
class _Anchored:
    data: Any
    size: int
    height: int


@dataclass
class _Builder:
    loader: yaml.SafeLoader
    marks: Marks = field(default_factory=lambda: Marks({}, {}))
    budget: Budget = field(default_factory=Budget)
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, _Anchored | None] = field(default_factory=dict)  # None: open
    result: Any = _NO_KEY

    def build(self) -> tuple[Any, Marks]:
        documents = 0
        while self.loader.check_event():
            event = self.loader.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise TextProblem(
                        _mark(event.start_mark),
                        "not valid YAML: expected a single document in the stream, "
                        "but found another document",
                    )
            elif isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self.start(event)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = self.stack.pop()
                self.place(frame.data, frame.size, frame.height, frame.anchor, None)
        if self.result is _NO_KEY:
            raise TextProblem((1, 1), EMPTY)
        return self.result, self.marks

    def slot(self) -> tuple[Path, bool]:
        """The path of the node that comes next, and whether it is a mapping's key."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if isinstance(top.data, list):
            return top.path + (len(top.data),), False
        if top.key is _NO_KEY:
            return top.path, True
        return top.path + (top.key,), False

    def begin(self, event: yaml.NodeEvent, size: int) -> tuple[Path, bool, Mark]:
        """Checks every node gets: no tag, no duplicate anchor, within the budget."""
        path, is_key = self.slot()
        mark = _mark(event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
            raise TextProblem(mark, f"YAML tags are not allowed, got {shown}", path)
        if event.anchor is not None and not isinstance(event, yaml.AliasEvent):
            if event.anchor in self.anchors:
                raise TextProblem(
                    mark, f"not valid YAML: found duplicate anchor &{event.anchor}"
                )
            self.anchors[event.anchor] = None
        self.budget.add(size, mark, path, alias=isinstance(event, yaml.AliasEvent))
        if not is_key:
            self.marks.values[path] = mark
        return path, is_key, mark

    def scalar(self, event: yaml.ScalarEvent) -> None:
        path, is_key, mark = self.begin(event, 1)
        tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        value: Any = event.value
        if tag == _CORE + "null":
            value = None
        elif tag == _CORE + "bool":
            value = self.loader.construct_yaml_bool(node)
        elif tag == _CORE + "int":
            # over 64 digits is too large in any base; int() refuses thousands
            digits = value.lstrip("+-").replace("_", "").removeprefix("0x")
            if len(digits.removeprefix("0b").lstrip("0")) > 64:
                raise TextProblem(mark, too_large(value), path)
            value = self.loader.construct_yaml_int(node)
            check_int(value, event.value, mark, path)
        elif tag == _CORE + "float":
            value = self.loader.construct_yaml_float(node)
            check_float(value, event.value, mark, path)
        elif tag == _CORE + "timestamp":
            raise TextProblem(
                mark,
                "must be a string, a number, true, false or null, got a date or time "
                f"({value}); quote it to make it a string",
                path,
            )
        elif tag == _CORE + "merge" and is_key:
            raise TextProblem(mark, "merge keys (<<) are not supported", path)
        else:
            check_string(value, mark, path)
        self.place(value, 1, 0, event.anchor, mark)

    def alias(self, event: yaml.AliasEvent) -> None:
        name = event.anchor
        if name not in self.anchors:
            raise TextProblem(
                _mark(event.start_mark),
                f"not valid YAML: found undefined alias *{name}",
            )
        anchored = self.anchors[name]
        if anchored is None:
            raise TextProblem(
                _mark(event.start_mark),
                f"the alias *{name} is inside the node it names; "
                "recursive structures are not allowed",
                self.slot()[0],
            )
        _, _, mark = self.begin(event, anchored.size)
        check_depth(len(self.stack) + anchored.height, mark)
        self.place(anchored.data, anchored.size, anchored.height, None, mark)

    def start(self, event: yaml.CollectionStartEvent) -> None:
        is_map = isinstance(event, yaml.MappingStartEvent)
        path, is_key, mark = self.begin(event, 1)
        if is_key:
            got = "a mapping" if is_map else "a list"
            raise TextProblem(mark, f"keys must be strings, got {got}", path)
        check_depth(len(self.stack) + 1, mark)
        self.stack.append(_Frame(path, {} if is_map else [], event.anchor))

    def place(
        self, data: Any, size: int, height: int, anchor: str | None, mark: Mark | None
    ) -> None:
        """Put a finished node into its parent; `mark` is where a key starts."""
        if anchor is not None:
            self.anchors[anchor] = _Anchored(data, size, height)
        if not self.stack:
            self.result = data
            return
        top = self.stack[-1]
        top.size += size
        top.height = max(top.height, height + 1)
        if isinstance(top.data, list):
            top.data.append(data)
        elif top.key is not _NO_KEY:
            top.data[top.key] = data
            top.key = _NO_KEY
        else:
            assert mark is not None  # keys are scalars or aliases
            if not isinstance(data, str):
                raise TextProblem(
                    mark, f"keys must be strings, got {describe(data)}", top.path
                )
            if data in top.data:
                raise TextProblem(mark, "duplicate key", top.path + (data,))
            self.marks.keys[top.path + (data,)] = mark
            top.key = data
