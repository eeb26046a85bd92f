"""A journal of results as they land, so an interrupted run can resume.

The file is JSON Lines, UTF-8, one object per result, appended and flushed as each result
lands (a crash loses at most the line being written, which is skipped on reading)::

    {"v": 1, "ts": "2026-11-23T19:30:00.123+00:00", "key": 17,
     "event_id": "evt/1+x=", "integrated_account_id": "62f4...",
     "payload_hash": "<64 hex>", "outcome": "ok", "ok": true,
     "http_status": 200, "error": null, "attempts": 1, "response": {...}}

``payload_hash`` is :func:`~truto_frame.api.idempotency.payload_hash` of the event id and the
PATCH body (sha256 of the id and the canonical JSON; unlike the ``Idempotency-Key`` it carries
no run nonce, so a run in another process recognises it). ``key`` is the job key when it is a JSON
string or integer, else its ``repr``; resuming never relies on it. ``outcome`` is ``ok``,
``failed``, ``account_blocked``, ``cancelled`` or ``conflict`` (re-read before writing, not
sent). ``response`` (the parsed body) is written only with ``Journal(path, responses=True)``;
the API token is never written.

On a re-run, :meth:`Journal.succeeded` gives the rows that already succeeded, keyed by
``(integrated_account_id, event_id, payload_hash)``: a row is skipped only when the same event
of the same account was updated with the very same body. A success is never undone by a later
failure line for the same triple: the event already holds that body.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..api.idempotency import payload_hash
from ..api.outcome import CallResult
from .runner import Job

__all__ = ["Journal"]

FORMAT_VERSION = 1


class Journal:
    """Append-only JSON Lines record of results; reads back what already succeeded.

    Parameters
    ----------
    path : str or os.PathLike
        The journal file; created (with its folder) on the first record.
    responses : bool
        Also write each response body (bigger file; useful for audits).
    fsync : bool
        ``os.fsync`` after every line: survives a power cut, costs a disk flush per row.

    Examples
    --------
    >>> journal = Journal("run.jsonl")
    >>> results = await run_jobs(client, jobs, on_result=journal.record)  # doctest: +SKIP
    >>> done = journal.succeeded()  # on the next run: skip these
    """

    def __init__(
        self, path: str | os.PathLike[str], *, responses: bool = False, fsync: bool = False
    ) -> None:
        self.path = Path(path)
        self.responses = responses
        self.fsync = fsync
        self.skipped_lines = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: each record opens, appends and closes the file."""

    def record(self, job: Job, result: CallResult) -> None:
        """Append one result and flush it; made to be :func:`run_jobs`'s ``on_result``.

        Parameters
        ----------
        job : Job
            The job the result belongs to.
        result : CallResult
            Its result.
        """
        key = job.key if isinstance(job.key, (str, int)) else repr(job.key)
        entry: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "key": key,
            "event_id": job.event_id,
            "integrated_account_id": job.integrated_account_id,
            "payload_hash": payload_hash(job.event_id, job.payload),
            "outcome": result.outcome,
            "ok": result.ok,
            "http_status": result.http_status,
            "error": result.error,
            "attempts": result.attempts,
        }
        if self.responses:
            entry["response"] = result.body
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        # Open per line: no handle outlives a run (callers need not close), and the cost is
        # microseconds next to a request.
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                if self.fsync:
                    os.fsync(handle.fileno())

    def entries(self) -> list[dict[str, Any]]:
        """Every readable line of the file, in order (an absent file reads as empty).

        Returns
        -------
        list of dict
            The entries; unreadable lines (a torn last line) are skipped and counted in
            :attr:`skipped_lines`.
        """
        if not self.path.exists():
            return []
        out: list[dict[str, Any]] = []
        skipped = 0
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    skipped += 1
                    continue
                if isinstance(entry, dict) and {"event_id", "payload_hash"} <= entry.keys():
                    out.append(entry)
                else:
                    skipped += 1
        self.skipped_lines = skipped
        return out

    def succeeded(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        """The results that succeeded, by ``(integrated_account_id, event_id, payload_hash)``.

        Returns
        -------
        dict
            The latest successful entry of each triple that succeeded at least once.
        """
        done: dict[tuple[str, str, str], dict[str, Any]] = {}
        for entry in self.entries():
            if entry.get("ok") is True:
                triple = (
                    str(entry.get("integrated_account_id")),
                    str(entry["event_id"]),
                    str(entry["payload_hash"]),
                )
                done[triple] = entry
        return done

    def is_done(self, job: Job) -> bool:
        """Whether ``job`` already succeeded with the same body (reads the file).

        Parameters
        ----------
        job : Job
            The job.

        Returns
        -------
        bool
            ``True`` when it needs no sending.
        """
        triple = (
            job.integrated_account_id,
            job.event_id,
            payload_hash(job.event_id, job.payload),
        )
        return triple in self.succeeded()
