"""Run a coroutine to completion from sync code, a Jupyter cell included.

``asyncio.run`` fails inside a running event loop (Jupyter's), and ``nest_asyncio`` is archived;
:func:`run_sync` instead runs the coroutine on a new private event loop in a worker thread while
the calling thread waits, and turns Ctrl-C into a cancellation of the coroutine's task (which
:func:`~truto_frame.engine.runner.run_jobs` handles gracefully).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T], *, always_raise_interrupt: bool = False) -> T:
    """Run a coroutine to completion from sync code, inside Jupyter's running loop too.

    The coroutine runs on a new private event loop in a worker thread, with the caller's
    context variables; the calling thread waits. Ctrl-C (``KeyboardInterrupt``) cancels the
    coroutine's task: :func:`run_jobs` then stops gracefully and its results are returned
    normally; if the coroutine ends cancelled, ``KeyboardInterrupt`` is raised. A third Ctrl-C
    stops waiting and raises at once.

    Parameters
    ----------
    coro : coroutine
        What to run.
    always_raise_interrupt : bool, default False
        Raise ``KeyboardInterrupt`` after a Ctrl-C even when the coroutine then returned
        normally (it absorbed the cancellation, or had just finished): the caller stops the way
        Python programs stop on Ctrl-C (``plan.apply()`` does; its results are kept on the plan).

    Returns
    -------
    Any
        The coroutine's result; its exception is raised as is.
    """
    loop = asyncio.new_event_loop()
    outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
    started = threading.Event()
    holder: list[asyncio.Task[T]] = []

    def main() -> None:
        try:
            asyncio.set_event_loop(loop)
            task = loop.create_task(coro)
            holder.append(task)
            started.set()
            try:
                outcome.set_result(loop.run_until_complete(task))
            except BaseException as exc:
                outcome.set_exception(exc)
        finally:
            started.set()
            _close_loop(loop)

    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(main,), name="truto-frame-loop")
    thread.daemon = True
    launched = False
    interrupts = 0
    while True:
        try:
            if not launched:  # inside the try: a Ctrl-C right after the start is handled too
                launched = True
                thread.start()
            # A timeout keeps the wait interruptible by Ctrl-C on every platform.
            value = outcome.result(timeout=0.25)
        except concurrent.futures.TimeoutError:
            continue
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts >= 3:
                raise
            started.wait()
            if holder:
                # RuntimeError: the run had just ended and closed its loop.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(holder[0].cancel)
            continue
        except asyncio.CancelledError:
            thread.join()
            if interrupts:
                raise KeyboardInterrupt from None
            raise
        thread.join()
        if interrupts and always_raise_interrupt:
            raise KeyboardInterrupt
        return value


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    # What asyncio.run does on exit: cancel leftovers, finish async generators, close.
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
