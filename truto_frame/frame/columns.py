"""Column names as paths: parsing and spelling them, and what the update schema holds there.

A column name is a path: ``location.address.city`` is ``{"location": {"address": {"city": ...}}}``
and ``attendees[0].person.emails[1].email`` the second email of the first attendee.
:func:`parse_column` and :func:`format_path` go between the two spellings,
:func:`container_kind` says where a cell holds a whole list or object, and
:func:`compile_columns` does all of it once per frame for
:func:`~truto_frame.frame.flatten.unflatten_frame`.
"""

from __future__ import annotations

import itertools
import types
import typing
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Literal

import pydantic

from ..model.schema import EventUpdate

__all__ = [
    "ColumnSet",
    "ContainerKind",
    "Path",
    "compile_columns",
    "container_kind",
    "format_path",
    "parse_column",
]

Path = tuple[str | int, ...]
"""A column name as its keys (str) and list indices (int), as :func:`parse_column` gives it."""

ContainerKind = Literal["list", "dict"]
"""What the update schema holds at a path, when it is a container (see :func:`container_kind`)."""

# Response-only fields that hold objects or lists: their JSON text is parsed back on reading.
_RESPONSE_CONTAINERS = frozenset(
    {"attachments", "organizer", "created_by", "identifiers", "urls", "parent_event", "event_type"}
)


@lru_cache(maxsize=65536)
def parse_column(name: str) -> Path:
    """Split a flat column name into its path of keys and list indices.

    Parameters
    ----------
    name : str
        A column name such as ``"attendees[0].person.emails[1].email"``.

    Returns
    -------
    tuple of str and int
        ``("attendees", 0, "person", "emails", 1, "email")``.

    Raises
    ------
    ValueError
        When the name is malformed: an empty key (``a..b``), an index that is not a
        non-negative integer (``a[x]``, ``a[01]``) or an index without a key (``[0]``).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"column name must be non-empty text, got {name!r}")
    parts: list[str | int] = []
    for segment in name.split("."):
        key, bracket, rest = segment.partition("[")
        if not key:
            what = "an index needs a key before it" if bracket else "an empty key"
            raise ValueError(f"malformed column name {name!r}: {what} (e.g. attendees[0].name)")
        if "]" in key:
            raise ValueError(f"malformed column name {name!r}: ']' without '['")
        parts.append(key)
        rest = bracket + rest
        while rest:
            close = rest.find("]")
            digits = rest[1:close]
            if not rest.startswith("[") or close < 0:
                raise ValueError(f"malformed column name {name!r}: unbalanced [ ] in {segment!r}")
            if not (digits.isascii() and digits.isdigit()) or digits != str(int(digits)):
                raise ValueError(
                    f"malformed column name {name!r}: list index [{digits}] must be a "
                    "non-negative integer such as [0]"
                )
            parts.append(int(digits))
            rest = rest[close + 1 :]
    return tuple(parts)


def format_path(path: Iterable[str | int]) -> str:
    """Spell a path as a column name, the inverse of :func:`parse_column`.

    Parameters
    ----------
    path : iterable of str and int
        Keys and list indices, e.g. pydantic's error ``loc``.

    Returns
    -------
    str
        ``"attendees[0].person.name"`` for ``("attendees", 0, "person", "name")``.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


def _unwrap(annotation: Any) -> Any:
    # Strip Optional[...] / X | None and Annotated[...] down to the type that holds the value.
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or origin is types.UnionType:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


@lru_cache(maxsize=4096)
def container_kind(path: Path) -> ContainerKind | None:
    """Say what the update schema holds at a path: a list, an object, or neither.

    Parameters
    ----------
    path : tuple of str and int
        A path from :func:`parse_column`.

    Returns
    -------
    {"list", "dict"} or None
        ``("attendees",)`` is ``"list"``, ``("attendees", 0)`` and ``("location", "address")``
        are ``"dict"``, ``("remote_data",)`` is ``"dict"``; scalars and unknown paths are None.
    """
    annotation: Any = EventUpdate
    for part in path:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if isinstance(part, int):
            if origin is not list:
                return None
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return "list"
    if origin is dict or (
        isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)
    ):
        return "dict"
    return None


class ColumnSet:
    """Column names parsed once per frame, for :func:`~truto_frame.frame.flatten.unflatten_frame`.

    Parameters
    ----------
    columns : sequence
        The column names, in frame order (duplicates allowed: they conflict when both are set).
    reading : bool, default False
        Compile for :func:`~truto_frame.frame.flatten.unflatten_events` (response containers are
        parsed leniently) rather than for an update body.
    """

    def __init__(self, columns: Sequence[Any], *, reading: bool = False) -> None:
        self.names: list[Any] = list(columns)
        self.reading = reading
        self.paths: list[Path | None] = []
        self.errors: dict[Any, str] = {}
        for name in self.names:
            try:
                self.paths.append(parse_column(name))
            except ValueError as exc:
                # Reading keeps a column it cannot split (``tags[a]``) as one key, spelled as is.
                readable = reading and isinstance(name, str) and name != ""
                self.paths.append((name,) if readable else None)
                if not readable:
                    self.errors[name] = str(exc)
        known = {path for path in self.paths if path is not None}
        parents = {path[:i] for path in known for i in range(1, len(path))}
        # Per column: steps to its parent (key or index, class of the container to make
        # there); last key or index; container kind at its path (JSON text is parsed there);
        # whether another column holds one of its parents whole (guarded), or it holds whole
        # what others fill in parts.
        self.rows: list[tuple[Any, tuple[tuple[Any, type], ...], Any, Any, bool, bool]] = []
        for name, path in zip(self.names, self.paths, strict=True):
            # Item [k] of a list needs k columns for the items before it: with fewer columns
            # in the frame, the column always leaves a hole (and never builds a huge list).
            if path is None or any(isinstance(p, int) and p >= len(self.names) for p in path):
                self.rows.append((name, (), None, None, False, False))
                continue
            steps = tuple(
                (key, list if isinstance(nxt, int) else dict)
                for key, nxt in itertools.pairwise(path)
            )
            kind: str | None = container_kind(path)
            if reading and kind is None and len(path) == 1 and path[0] in _RESPONSE_CONTAINERS:
                kind = "any"
            guarded = any(path[:i] in known for i in range(1, len(path)))
            self.rows.append((name, steps, path[-1], kind, guarded, path in parents))


@lru_cache(maxsize=256)
def _compiled(columns: tuple[Any, ...], reading: bool) -> ColumnSet:
    return ColumnSet(columns, reading=reading)


def compile_columns(columns: Iterable[Any], *, reading: bool = False) -> ColumnSet:
    """Parse a frame's column names once, for :func:`~truto_frame.frame.flatten.unflatten_frame`.

    Parameters
    ----------
    columns : iterable
        Column names in frame order.
    reading : bool, default False
        See :class:`ColumnSet`.

    Returns
    -------
    ColumnSet
        Cached: the same columns give the same object.
    """
    return _compiled(tuple(columns), reading)
