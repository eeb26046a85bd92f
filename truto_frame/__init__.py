"""truto-frame: bulk-edit calendar events from a pandas DataFrame through Truto's Unified API."""

from ._types import NULL, NULL_CSV

__all__ = ["NULL", "NULL_CSV"]
__version__ = "0.1.0"
