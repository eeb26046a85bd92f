"""truto-frame: bulk-edit calendar events from a pandas DataFrame through Truto's Unified API.

Importing the package registers the ``df.truto`` DataFrame accessor.
"""

from . import accessor as _accessor  # noqa: F401  (registers df.truto)
from ._types import NULL, NULL_CSV
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ConfigurationError,
    InputError,
    TrutoFrameError,
)
from .flatten import flatten_events, unflatten_events
from .pacing import RateLimits
from .plan import EventUpdatePlan
from .planning import build_plan
from .read import read_events, read_events_async
from .results import RowResult
from .retry import RetryPolicy

__all__ = [
    "NULL",
    "NULL_CSV",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "ConfigurationError",
    "EventUpdatePlan",
    "InputError",
    "RateLimits",
    "RetryPolicy",
    "RowResult",
    "TrutoFrameError",
    "build_plan",
    "flatten_events",
    "read_events",
    "read_events_async",
    "unflatten_events",
]
__version__ = "0.1.0"
