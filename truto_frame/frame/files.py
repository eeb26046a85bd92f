"""Files as analysts have them: CSV (any of ``,`` ``;`` tab, BOM or not, CRLF) and workbooks.

One reader for the command line and for ``truto_frame.read_csv`` / ``truto_frame.read_excel``:
every cell is text (ids keep their leading zeros, ``N/A``, ``null`` and ``None`` stay text), an
empty cell is missing (leave unchanged), ``<NULL>`` stays the clear marker and JSON text is parsed
later, at a container column. Rows are labelled as a spreadsheet numbers them (the header is
row 1, the first event row 2), so a problem in "row 7" is row 7 on screen.

:func:`read_table` also says how the file was written (:class:`TableFormat`), so that a results
file can follow its input: the same delimiter, byte-order mark and line ends for a CSV saved
by Excel, a workbook for a workbook.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import pandas as pd

from ..errors import ConfigurationError
from ..model.sentinels import NULL, NULL_CSV

__all__ = [
    "EXCEL_SUFFIXES",
    "TableFormat",
    "read_csv",
    "read_excel",
    "read_table",
    "table_cells",
    "write_csv",
    "write_table",
]

EXCEL_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm"})
"""File name endings read and written as workbooks."""

_DELIMITERS = (",", ";", "\t")
_BOM = "\ufeff"
_SAMPLE = 64 * 1024

PathOrBuffer = str | os.PathLike[str] | IO[str]


@dataclass(frozen=True)
class TableFormat:
    """How a table file was written, so that a file written next to it can match.

    Attributes
    ----------
    kind : {"csv", "excel"}
        A delimited text file or a workbook.
    delimiter : str
        The CSV field separator (``","``, ``";"`` or tab).
    bom : bool
        Whether the CSV began with a UTF-8 byte-order mark (Excel's "CSV UTF-8" does).
    line_end : str
        ``"\\r\\n"`` or ``"\\n"``.
    """

    kind: Literal["csv", "excel"] = "csv"
    delimiter: str = ","
    bom: bool = False
    line_end: str = "\n"


def _sample(source: PathOrBuffer) -> str:
    # The first bytes decide BOM, delimiter and line ends; the reader then starts over.
    if isinstance(source, (str, os.PathLike)):
        with open(source, encoding="utf-8", newline="") as handle:
            return handle.read(_SAMPLE)
    position = source.tell()
    text = source.read(_SAMPLE)
    source.seek(position)
    return text


def _sniff(sample: str) -> TableFormat:
    bom = sample.startswith(_BOM)
    text = sample[1:] if bom else sample
    header = text.splitlines()[0] if text else ""
    # The delimiter that splits the header into the most fields (quotes respected); a tie,
    # a one-column file included, is a comma.
    best, most = ",", 1
    for delimiter in _DELIMITERS:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        if len(fields) > most:
            best, most = delimiter, len(fields)
    end = text.find("\n")
    line_end = "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"
    return TableFormat("csv", best, bom, line_end)


def _spreadsheet_rows(df: pd.DataFrame) -> pd.DataFrame:
    df.index = pd.RangeIndex(2, len(df) + 2)
    return df


def _read_csv(source: PathOrBuffer, kwargs: dict[str, Any]) -> tuple[pd.DataFrame, TableFormat]:
    found = _sniff(_sample(source))
    options: dict[str, Any] = {
        "dtype": str,
        "keep_default_na": False,
        "na_values": [""],
        "encoding": "utf-8-sig",
        "sep": found.delimiter,
    }
    options.update(kwargs)
    if not isinstance(source, (str, os.PathLike)):
        options.pop("encoding")  # text buffers are decoded already; the BOM is stripped below
    df = pd.read_csv(source, **options)
    if len(df.columns) and isinstance(df.columns[0], str) and df.columns[0].startswith(_BOM):
        df = df.rename(columns={df.columns[0]: df.columns[0][1:]})
    return _spreadsheet_rows(df), found


def read_csv(path: PathOrBuffer, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV file of events the way ``truto-frame update-events`` does.

    Every cell is text: ids keep their leading zeros (``00123``), and ``N/A``, ``null``,
    ``None`` or ``NA`` stay the text they are (``pandas.read_csv`` would make them missing,
    which means *leave unchanged*). An empty field is missing; ``<NULL>`` clears a field; JSON
    text in a container column (``attendees``, ``location``) sets the whole value when planned.
    UTF-8 with or without a byte-order mark; the delimiter (``,``, ``;`` or tab) is sniffed from
    the header; CRLF line ends are fine. Rows are labelled as a spreadsheet numbers them: the
    first event row is ``2``.

    Parameters
    ----------
    path : str, path or text file object
        The CSV file.
    **kwargs
        Passed to :func:`pandas.read_csv` over these defaults (``sep=`` to force a delimiter,
        ``usecols=``, ``nrows=`` ...).

    Returns
    -------
    pandas.DataFrame
        Object columns of text, missing where a field was empty.

    Examples
    --------
    >>> import truto_frame
    >>> df = truto_frame.read_csv("events.csv")  # doctest: +SKIP
    >>> plan = df.truto.update_events(integrated_account_id="62f4...")  # doctest: +SKIP
    """
    return _read_csv(path, kwargs)[0]


def _require_openpyxl() -> None:
    # Imported lazily: workbooks are an optional extra (`pip install 'truto-frame[excel]'`).
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "reading or writing .xlsx workbooks needs openpyxl: pip install 'truto-frame[excel]'"
        ) from None


def read_excel(
    path: str | os.PathLike[str] | IO[bytes], sheet: str | int | None = None, **kwargs: Any
) -> pd.DataFrame:
    """Read one sheet of an ``.xlsx`` workbook of events, every cell as text.

    The same rules as :func:`read_csv`: empty cells are missing, everything else is text
    (numbers as Excel holds them, ``123``; dates as ``2026-12-10 09:00:00``); rows are labelled
    from ``2`` as in the spreadsheet. Needs the ``excel`` extra (openpyxl).

    Parameters
    ----------
    path : str, path or binary file object
        The workbook.
    sheet : str or int, optional
        The sheet's name or position; default the first sheet.
    **kwargs
        Passed to :func:`pandas.read_excel` over these defaults.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ConfigurationError
        When openpyxl is not installed.
    """
    _require_openpyxl()
    options: dict[str, Any] = {
        "sheet_name": 0 if sheet is None else sheet,
        "dtype": str,
        "keep_default_na": False,
        "na_values": [""],
        "engine": "openpyxl",
    }
    options.update(kwargs)
    return _spreadsheet_rows(pd.read_excel(path, **options))


def _is_excel(path: PathOrBuffer) -> bool:
    return isinstance(path, (str, os.PathLike)) and Path(path).suffix.lower() in EXCEL_SUFFIXES


def read_table(
    path: PathOrBuffer, *, sheet: str | int | None = None
) -> tuple[pd.DataFrame, TableFormat]:
    """Read a CSV file or a workbook (by its name's ending) and say how it was written.

    Parameters
    ----------
    path : str, path or text file object
        ``.xlsx`` / ``.xlsm`` are workbooks (see :func:`read_excel`); anything else is CSV
        (see :func:`read_csv`).
    sheet : str or int, optional
        The workbook's sheet (default the first); ignored for a CSV.

    Returns
    -------
    df : pandas.DataFrame
    found : TableFormat
    """
    if _is_excel(path):
        return read_excel(path, sheet), TableFormat("excel")  # type: ignore[arg-type]
    return _read_csv(path, {})


def _cell(value: Any) -> Any:
    if value is NULL:
        return NULL_CSV
    if isinstance(value, pd.Timestamp):
        return pd.NA if pd.isna(value) else value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def table_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as a file holds it: lists and dicts as JSON text, ``NULL`` as ``<NULL>``.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame of events or results.

    Returns
    -------
    pandas.DataFrame
        Object columns; Timestamps as ISO 8601 text; missing cells stay missing.
    """
    return pd.DataFrame(
        {name: [_cell(v) for v in df[name].tolist()] for name in df.columns},
        index=df.index,
        dtype=object,
    )


def write_csv(df: pd.DataFrame, out: PathOrBuffer, *, like: TableFormat | None = None) -> None:
    """Write a frame as CSV that :func:`read_csv` and ``update-events`` read back unchanged.

    Lists and dicts become JSON text, :data:`~truto_frame.NULL` becomes ``<NULL>``, Timestamps
    ISO 8601 text; missing cells are empty fields.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame of events or results.
    out : str, path or text file
        Where to write.
    like : TableFormat, optional
        Match this CSV's delimiter, byte-order mark and line ends (default: comma, no BOM,
        ``\\n``).
    """
    shape = like if like is not None and like.kind == "csv" else TableFormat()
    text = table_cells(df)
    if isinstance(out, (str, os.PathLike)):
        encoding = "utf-8-sig" if shape.bom else "utf-8"
        text.to_csv(
            out, index=False, sep=shape.delimiter, encoding=encoding, lineterminator=shape.line_end
        )
        return
    if shape.bom and isinstance(out, io.TextIOBase) and out.tell() == 0:
        out.write(_BOM)
    text.to_csv(out, index=False, sep=shape.delimiter, lineterminator=shape.line_end)


def write_table(
    df: pd.DataFrame, out: str | os.PathLike[str], *, like: TableFormat | None = None
) -> None:
    """Write a frame as a workbook (``.xlsx``) or CSV, by the name's ending.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame of events or results.
    out : str or path
        ``.xlsx`` / ``.xlsm`` write one sheet; anything else CSV (see :func:`write_csv`).
    like : TableFormat, optional
        The input's format: a CSV written here matches its delimiter, BOM and line ends.

    Raises
    ------
    ConfigurationError
        When a workbook is asked for and openpyxl is not installed.
    """
    if _is_excel(out):
        _require_openpyxl()
        table_cells(df).to_excel(out, index=False, engine="openpyxl")
        return
    write_csv(df, out, like=like)
