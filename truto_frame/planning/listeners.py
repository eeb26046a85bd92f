"""Listeners of a plan's results: who to tell when an apply (or a retry) lands its results.

A preview widget made before ``plan.apply()`` ran in code registers here, so that it shows the
results and disables its Apply button however the plan was applied. Bound methods are held
weakly: a preview that is gone does not stay alive because its plan does.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any

__all__ = ["Listeners"]

logger = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class Listeners:
    """Callbacks called with a value each time :meth:`notify` is; a failing one is logged."""

    def __init__(self) -> None:
        self._refs: list[Callable[[], Callback | None]] = []
        self._lock = threading.Lock()  # results land in the engine's thread

    def add(self, callback: Callback) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it.

        Parameters
        ----------
        callback : callable
            Called as ``callback(value)``. A bound method is held weakly.

        Returns
        -------
        callable
            Call it to stop listening.
        """
        ref: Callable[[], Callback | None]
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            ref = weakref.WeakMethod(callback)
        else:
            ref = lambda: callback  # noqa: E731 - a strong reference, same shape as a weak one
        with self._lock:
            self._refs.append(ref)

        def remove() -> None:
            with self._lock:
                if ref in self._refs:
                    self._refs.remove(ref)

        return remove

    def notify(self, value: Any) -> None:
        """Call every live callback with ``value``; an exception is logged, not raised.

        Parameters
        ----------
        value : Any
            What to pass on (the plan's new results frame).
        """
        with self._lock:
            callbacks = [ref() for ref in self._refs]
            self._refs = [ref for ref, cb in zip(self._refs, callbacks, strict=True) if cb]
        for callback in callbacks:
            if callback is None:
                continue
            try:
                callback(value)
            except Exception:  # a broken display must not lose the results being stored
                logger.exception("a listener of the plan's results failed")

    def __len__(self) -> int:
        with self._lock:
            return sum(1 for ref in self._refs if ref() is not None)
