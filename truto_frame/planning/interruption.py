"""A run stopped by Ctrl-C, a notebook's Stop or a cancelled task: what it carries and says.

The engine stops gracefully (no new request; requests on the wire settle); then the stop goes on
the way Python stops: :class:`RunStopped` (an ``asyncio.CancelledError``) for async callers,
:class:`~truto_frame.errors.ApplyInterrupted` (a ``KeyboardInterrupt``) out of ``apply()``. Both
carry the complete results frame, which the plan keeps in ``plan.results``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pandas as pd

__all__ = ["RunStopped", "interrupted_message"]


class RunStopped(asyncio.CancelledError):
    """The run's task was cancelled; raised once every row has its result.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per input row; rows never sent are ``cancelled``.
    """

    def __init__(self, results: pd.DataFrame) -> None:
        super().__init__("the run was interrupted")
        self.results = results


def interrupted_message(results: pd.DataFrame, journal: Any = None) -> str:
    """One line: what an interrupted run did and how to send the rest.

    Parameters
    ----------
    results : pandas.DataFrame
        The complete results frame of the run.
    journal : str, os.PathLike or Journal, optional
        The run's journal, named in the message as the other way to resume.

    Returns
    -------
    str
        E.g. ``"interrupted: 3 updated, 7 cancelled; plan.results holds every row. Send the
        rest with plan.retry_failed(), or run again with journal='run.jsonl'."``
    """
    counts = results["status"].value_counts()
    tally = ", ".join(f"{n} {status}" for status, n in counts.items())
    rest = "Send the rest with plan.retry_failed()"
    path = getattr(journal, "path", journal)
    if isinstance(path, (str, os.PathLike)):
        rest += f", or run again with journal={os.fspath(path)!r}"
    return f"interrupted: {tally}; plan.results holds every row. {rest}."
