"""One cell of a frame: what it means (empty, ``NULL`` or a value) and its JSON-ready form.

A cell is in one of three states (see :mod:`truto_frame.model.sentinels`): empty (omitted), a value
(set) or
:data:`~truto_frame.NULL` / ``"<NULL>"`` (sent as ``null``). :func:`normalize_cell` tells them
apart and turns a value into what JSON holds: Timestamps and dates into ISO 8601 text, numpy
scalars and arrays into Python ones, integral floats into ``int``, tuples into lists. A cell at a
container path may also hold the whole value as its JSON text (as read from a CSV), which
:func:`parse_json_cell` reads.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..model.sentinels import MISSING, NULL, NULL_CSV

__all__ = ["PLAIN_TYPES", "as_id", "normalize_cell", "parse_json_cell"]

_EXACT = 2.0**53


def normalize_cell(value: Any) -> Any:
    """Give a cell its meaning: empty, ``None`` (clear) or a JSON-ready value.

    Parameters
    ----------
    value : Any
        One cell of a frame, as pandas holds it.

    Returns
    -------
    Any
        :data:`~truto_frame.model.sentinels.MISSING` for NaN, None, NaT, ``pd.NA`` and ``""``;
        ``None``
        for :data:`~truto_frame.NULL` and ``"<NULL>"``; an ISO 8601 string for a Timestamp,
        datetime or date (a Timestamp keeps its offset); a Python scalar for a numpy scalar; an
        ``int`` for a float with an integral value (pandas makes integer columns with gaps
        float); a list for a numpy array or tuple. Inside a list or dict, ``NULL`` becomes
        ``None`` and numpy scalars and dates are converted the same way. Anything else as is.
    """
    # Fast path first: this runs once per cell, millions of times for a large frame.
    kind = type(value)
    if kind is str:
        if not value:
            return MISSING
        return None if value == NULL_CSV else value
    if kind is float:
        if value != value:
            return MISSING
        # Beyond 2**53 a float is no longer an exact integer: leave it as the float it is.
        return int(value) if value.is_integer() and -_EXACT <= value <= _EXACT else value
    if kind is int or kind is bool:
        return value
    if value is None:
        return MISSING
    if value is NULL:
        return None
    if value is pd.NA or value is pd.NaT:
        return MISSING
    if kind is list or kind is dict:
        return _clean(value)
    if isinstance(value, (np.datetime64, np.timedelta64)) and np.isnat(value):
        return MISSING
    return _convert(value, normalize_cell)


def _convert(value: Any, again: Any) -> Any:
    # The rarer types, shared by cells (again=normalize_cell) and values inside containers.
    if isinstance(value, (datetime, date)):  # pd.Timestamp subclasses datetime
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        return again(value.item())
    if isinstance(value, tuple):
        return _clean(list(value))
    if isinstance(value, str):  # a str subclass such as numpy.str_
        return again(str(value))
    return value


PLAIN_TYPES: frozenset[type] = frozenset({str, int, float, bool, type(None)})
"""Types whose values are JSON scalars as they are: nothing to convert, copy or flatten."""


def _clean(value: Any) -> Any:
    # A whole value inside a cell: copy only what changes, since most are plain JSON already.
    kind = type(value)
    if kind in PLAIN_TYPES:
        return value
    if kind is dict:
        out = None
        for key, item in value.items():
            new = _clean(item)
            if new is not item:
                out = dict(value) if out is None else out
                out[key] = new
        return value if out is None else out
    if kind is list:
        items = [_clean(item) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if value is NULL:
        return None
    return _convert(value, _clean)


def as_id(value: Any) -> str | None:
    """An identifier (event, account, calendar) as the text the API uses, or ``None``.

    The one id normaliser: every id read from a frame, a baseline, a cell or a response goes
    through it, so that ``1234.0`` (an id pandas read as a float), ``1234`` and ``" 1234 "``
    are one id.

    Parameters
    ----------
    value : Any
        A cell or a JSON value.

    Returns
    -------
    str or None
        The id, stripped; ``None`` for an empty cell, ``NULL`` or blank text.
    """
    cell = normalize_cell(value)
    if cell is MISSING or cell is None:
        return None
    # normalize_cell has already turned 1234.0 (an id pandas read as float) into 1234.
    return str(cell).strip() or None


def parse_json_cell(text: str, kind: str, reading: bool) -> tuple[Any, str | None]:
    """Read a whole list or object given as JSON text in one cell (CSV cells hold nothing else).

    Parameters
    ----------
    text : str
        The normalized cell, at a container path.
    kind : {"list", "dict", "any"}
        What the path holds (see :func:`~truto_frame.frame.columns.container_kind`); ``"any"`` takes
        a list or an object.
    reading : bool
        Reading back what :func:`~truto_frame.frame.flatten.flatten_events` wrote: text that is not
        JSON of the right kind stays text instead of being a problem.

    Returns
    -------
    value : Any
        The parsed list or dict; the text itself when reading and it is not one; ``None`` on
        a problem.
    message : str or None
        What is wrong with the cell, or ``None``.
    """
    if reading:
        # Reading back what flatten_events wrote: text that is not JSON of a container stays text.
        start = text.lstrip()[:1]
        if start not in ("[", "{"):
            return text, None
    want = "a list" if kind == "list" else "an object" if kind == "dict" else "a list or object"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if reading:
            return text, None
        return None, (
            f"holds text that is not valid JSON ({exc.msg} at character {exc.pos}); "
            f"this column takes {want} as JSON text, or leave it empty"
        )
    ok = (
        isinstance(value, list)
        if kind == "list"
        else isinstance(value, dict)
        if kind == "dict"
        else isinstance(value, (list, dict))
    )
    if ok:
        return value, None
    if reading:
        return text, None
    got = _JSON_NAMES.get(type(value), "value")
    return None, f"expected {want} as JSON text, got a JSON {got}: {text[:40]!r}"


_JSON_NAMES = {dict: "object", list: "list", str: "string", int: "number", float: "number"}
_JSON_NAMES.update({bool: "boolean", type(None): "null"})
