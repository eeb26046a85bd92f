"""truto-frame: bulk-edit calendar events from a pandas DataFrame through Truto's Unified API.

Importing the package registers the ``df.truto`` DataFrame accessor.
"""

from . import accessor as _accessor  # noqa: F401  (registers df.truto)
from .api.budgets import RateLimits
from .api.retry import RetryPolicy
from .engine.results import RowResult
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ApplyInterrupted,
    ConfigurationError,
    InputError,
    TrutoFrameError,
)
from .frame.files import read_csv, read_excel
from .frame.flatten import flatten_events, unflatten_events
from .frame.local_times import local_times
from .frame.shift import shift_times
from .model.sentinels import NULL, NULL_CSV
from .planning.build import build_plan
from .planning.plan import EventUpdatePlan, register_previewer
from .read import read_events, read_events_async
from .ui.widget import preview_widget as _preview_widget
from .version import __version__ as __version__  # truto_frame.__version__

register_previewer(_preview_widget)

__all__ = [
    "NULL",
    "NULL_CSV",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "ApplyInterrupted",
    "ConfigurationError",
    "EventUpdatePlan",
    "InputError",
    "RateLimits",
    "RetryPolicy",
    "RowResult",
    "TrutoFrameError",
    "build_plan",
    "flatten_events",
    "local_times",
    "read_csv",
    "read_events",
    "read_events_async",
    "read_excel",
    "shift_times",
    "unflatten_events",
]
