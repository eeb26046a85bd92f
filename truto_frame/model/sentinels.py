"""Sentinels that give a cell its meaning in a PATCH.

A cell of an update frame is in one of three states:

* empty (NaN, None, NaT, ``pd.NA``, an empty CSV field): *leave unchanged*, omitted from the body;
* a value: *set* the field to it;
* :data:`NULL` (or its CSV spelling :data:`NULL_CSV`): *clear* the field, sent as JSON ``null``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["MISSING", "NULL", "NULL_CSV"]


class _NullType:
    """Type of :data:`NULL`; a singleton that survives copy and pickle."""

    _instance: _NullType | None = None

    def __new__(cls) -> _NullType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "truto_frame.NULL"

    def __reduce__(self) -> str:
        return "NULL"

    def __bool__(self) -> bool:
        return False


class _MissingType:
    """Type of :data:`MISSING`: "not given", the field is left out of the body."""

    _instance: _MissingType | None = None

    def __new__(cls) -> _MissingType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "truto_frame.MISSING"

    def __reduce__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


NULL: Final = _NullType()
"""Put this in a cell to *clear* the field: it is sent as JSON ``null``."""

NULL_CSV: Final = "<NULL>"
"""How a CSV file (or any string cell) spells :data:`NULL`: the exact text ``<NULL>``."""

MISSING: Final = _MissingType()
"""Internal marker for "not given": the field is omitted from the PATCH body."""
