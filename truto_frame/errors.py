"""The exceptions truto-frame raises, under one root.

::

    TrutoFrameError
    ├── ConfigurationError (also ValueError)   bad arguments: no token, unknown option value,
    │                                          a RateLimits/RetryPolicy out of range
    ├── InputError (also ValueError)           the frame itself is unusable: no ``id`` column
    ├── UsageError                             the command line was called wrongly (exit 2)
    └── APIError                               a request that ended in an error response
        ├── APIStatusError                     the server answered with a 4xx/5xx status
        └── APIConnectionError                 no answer: dropped connection, timeout

    KeyboardInterrupt
    └── ApplyInterrupted                       Ctrl-C stopped ``apply()``; ``plan.results``
                                               holds every row (``cancelled`` for the rest)

A bad *row* never raises: it gets a per-row problem in the plan, or a ``failed`` row in the
results. These exceptions are for mistakes that make the whole call meaningless, and for the
lower-level :class:`~truto_frame.api.client.TrutoClient`. No message ever contains the API token.

:class:`ApplyInterrupted` is not under the root on purpose: it is a ``KeyboardInterrupt``, so a
script stops where Ctrl-C stopped it (an ``except Exception`` does not swallow it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "ApplyInterrupted",
    "ConfigurationError",
    "InputError",
    "TrutoFrameError",
    "UsageError",
]


class TrutoFrameError(Exception):
    """Root of every exception raised by truto-frame."""


class ConfigurationError(TrutoFrameError, ValueError):
    """An argument or environment setting is missing or invalid (e.g. no API token)."""


class InputError(TrutoFrameError, ValueError):
    """The input as a whole cannot be planned (e.g. the frame has no ``id`` column)."""


class UsageError(TrutoFrameError):
    """A mistake in how ``truto-frame`` was called; the CLI prints it as one line, exit code 2."""


class APIError(TrutoFrameError):
    """A request to the Truto API did not succeed."""


class APIStatusError(APIError):
    """The API answered with an error status.

    Parameters
    ----------
    status_code : int
        The HTTP status.
    body : Any
        The parsed error body (Truto's ``{"statusCode", "error", "message", ...}``), or text.
    """

    def __init__(self, status_code: int, body: Any, message: str | None = None) -> None:
        self.status_code = status_code
        self.body = body
        super().__init__(message or f"HTTP {status_code}")


class APIConnectionError(APIError):
    """The request got no HTTP answer (connection dropped, refused or timed out)."""


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a kernel interrupt) stopped ``apply()``; every row has its result.

    Raised once the requests on the wire have settled and the journal holds what landed. It is a
    ``KeyboardInterrupt``: the script stops, as Python programs do on Ctrl-C.

    Parameters
    ----------
    message : str
        What happened and how to resume (``plan.retry_failed()`` or the journal).
    results : pandas.DataFrame
        The complete results frame, also in ``plan.results``: one row per input row, rows
        never sent ``cancelled``.
    """

    def __init__(self, message: str, results: pd.DataFrame) -> None:
        super().__init__(message)
        self.results = results
