"""How the command line stops: SIGTERM like Ctrl-C, a resumable journal, a closed pipe.

* :func:`sigterm_as_interrupt`: while a command runs, SIGTERM (``kill``, a CI timeout, a
  container stop) raises ``KeyboardInterrupt`` like Ctrl-C, so the run stops the same graceful
  way and its results file is still written.
* :func:`journal_of_updates`: after an interrupted run without ``--journal``, write the rows that
  were updated to a journal, so that the same command with ``--journal`` resumes without
  sending them again.
* :func:`silence_stdout`: standard output was closed (``| head``): stop writing there without a
  traceback (Python's recipe: point the file descriptor at ``/dev/null``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.outcome import CallResult
from ..engine.journal import Journal
from ..engine.runner import Job

if TYPE_CHECKING:
    from ..planning.plan import EventUpdatePlan

__all__ = [
    "EXIT_CLOSED_PIPE",
    "default_journal_path",
    "exit_code_of_stop",
    "journal_of_updates",
    "shown_path",
    "sigterm_as_interrupt",
    "silence_stdout",
]

EXIT_CLOSED_PIPE = 128 + 13
"""Exit code after a closed pipe on stdout, as a program killed by SIGPIPE reports it."""


class _Stops:
    terminated = False


_STOPS = _Stops()


def _on_sigterm(signum: int, frame: Any) -> None:
    _STOPS.terminated = True
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises ``KeyboardInterrupt`` in the main thread.

    Outside the main thread (signals cannot be caught there) the block runs unchanged. The
    previous handler comes back on exit.
    """
    _STOPS.terminated = False
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def exit_code_of_stop() -> int:
    """The exit code of an interrupted command: 143 after SIGTERM, 130 after Ctrl-C."""
    return 128 + (signal.SIGTERM if _STOPS.terminated else signal.SIGINT)


def journal_of_updates(
    plan: EventUpdatePlan, results: pd.DataFrame, path: str | os.PathLike[str]
) -> int:
    """Append the rows of ``results`` that were updated to the journal at ``path``.

    A later run with this journal skips them (same account, event and body), as if the
    interrupted run had been given ``--journal`` from the start.

    Parameters
    ----------
    plan : EventUpdatePlan
        The plan that was applied.
    results : pandas.DataFrame
        Its results frame (same rows, same order).
    path : str or path
        The journal file.

    Returns
    -------
    int
        How many rows were written.
    """
    journal = Journal(path)
    written = 0
    rows = zip(
        plan.event_ids.tolist(),
        plan.accounts.tolist(),
        plan.payloads.tolist(),
        results["status"].tolist(),
        results["http_status"].tolist(),
        results["attempts"].tolist(),
        strict=True,
    )
    for position, (event_id, account, payload, status, http, attempts) in enumerate(rows):
        # attempts 0: already in an earlier journal, not sent by this run.
        if status != "updated" or payload is None or not attempts:
            continue
        job = Job(key=position, event_id=event_id, integrated_account_id=account, payload=payload)
        code = None if pd.isna(http) else int(http)
        journal.record(job, CallResult(True, code, None, None, int(attempts), "ok"))
        written += 1
    return written


def silence_stdout() -> None:
    """Point standard output at ``/dev/null`` after the reader closed the pipe.

    Later writes, and the flush at exit, then succeed silently instead of raising
    ``BrokenPipeError`` ("Exception ignored ... BrokenPipeError" on stderr).
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture it)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


# What a file name ends with; anything else in the FILE position may be a pasted token.
_FILE_ENDINGS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".jsonl", ".json")


def shown_path(name: object) -> str:
    """A missing file's name as an error may show it: a name that looks like no file is hidden.

    ``truto-frame update-events <token>`` (the token pasted where the file goes) must not print
    the token in "no such file: ...".

    Parameters
    ----------
    name : object
        The name the user typed.

    Returns
    -------
    str
        The name when it has a path separator or a file ending, else a placeholder.
    """
    text = os.fspath(name) if isinstance(name, (str, os.PathLike)) else str(name)
    if os.sep in text or "/" in text or text.lower().endswith(_FILE_ENDINGS):
        return str(text)
    return "<FILE> (its name is not repeated: it does not look like a file name)"


def default_journal_path(file: str) -> Path:
    """Where an interrupted run without ``--journal`` keeps its updated rows: beside the input."""
    source = Path(file)
    return source.with_name(f"{source.stem}.journal.jsonl")
