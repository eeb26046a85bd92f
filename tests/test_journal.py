"""Tests for truto_frame.engine.journal: lines as results land, resume by payload hash."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from truto_frame.api.client import CallResult, TrutoClient
from truto_frame.api.idempotency import payload_hash
from truto_frame.api.pacing import RateLimits
from truto_frame.engine.journal import Journal
from truto_frame.engine.runner import Job, run_jobs

TOKEN = "journal-secret-token"


def job(i: int, title: str = "t", account: str = "acc") -> Job:
    return Job(("row", i), f"ev/{i}+=", account, {"title": title, "n": i})


def test_record_writes_one_documented_line_per_result(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "run.jsonl"
    with Journal(path) as journal:
        journal.record(job(1), CallResult(True, 200, {"id": "x"}, None, 1, "ok"))
        journal.record(job(2), CallResult(False, 404, {"m": 1}, "404 Not Found", 2, "failed"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["v"] == 1 and first["key"] == "('row', 1)"
    assert first["event_id"] == "ev/1+=" and first["integrated_account_id"] == "acc"
    assert first["payload_hash"] == payload_hash("ev/1+=", {"title": "t", "n": 1})
    assert (first["outcome"], first["ok"], first["http_status"]) == ("ok", True, 200)
    assert first["error"] is None and first["attempts"] == 1
    assert "response" not in first
    second = json.loads(lines[1])
    assert (second["ok"], second["error"], second["attempts"]) == (False, "404 Not Found", 2)


def test_responses_are_optional(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl", responses=True, fsync=True)
    journal.record(job(1), CallResult(True, 200, {"id": "x"}, None, 1))
    journal.close()
    assert journal.entries()[0]["response"] == {"id": "x"}


def test_succeeded_matches_account_event_and_payload(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record(job(1), CallResult(True, 200, None, None, 1))
    journal.record(job(2), CallResult(False, 500, None, "500", 6, "failed"))
    journal.record(job(3), CallResult(True, 200, None, None, 1))
    journal.record(job(3), CallResult(False, 502, None, "502", 1, "failed"))  # success sticks
    done = journal.succeeded()
    assert journal.is_done(job(1)) and journal.is_done(job(3))
    assert not journal.is_done(job(2))
    assert not journal.is_done(job(1, title="changed"))  # another body must be sent
    assert not journal.is_done(job(1, account="other"))
    assert len(done) == 2


def test_torn_and_foreign_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.record(job(1), CallResult(True, 200, None, None, 1))
    journal.close()
    with path.open("a", encoding="utf-8") as handle:
        handle.write('[1, 2]\n\n{"v": 1, "event_id": "ev/2+=", "payl')
    assert len(journal.entries()) == 1 and journal.skipped_lines == 2
    assert Journal(tmp_path / "absent.jsonl").succeeded() == {}


def test_resume_sends_only_rows_not_yet_succeeded(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    sent: list[str] = []
    failing = {"/unified/calendar/events/ev%2F3%2B%3D"}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.raw_path.decode().split("?")[0])
        if request.url.raw_path.decode().split("?")[0] in failing:
            return httpx.Response(404, json={"statusCode": 404, "message": "nope"})
        return httpx.Response(200, json={})

    async def run(jobs: list[Job]) -> dict:
        client = TrutoClient(
            TOKEN,
            "https://x.test",
            transport=httpx.MockTransport(handler),
            limits=RateLimits.unlimited(),
        )
        with Journal(path) as journal:
            async with client:
                return await run_jobs(client, jobs, on_result=journal.record)

    jobs = [job(i) for i in range(5)]
    asyncio.run(run(jobs))
    assert len(sent) == 5
    failing.clear()
    journal = Journal(path)
    pending = [j for j in jobs if not journal.is_done(j)]
    assert [j.key for j in pending] == [("row", 3)]
    sent.clear()
    asyncio.run(run(pending))
    assert sent == ["/unified/calendar/events/ev%2F3%2B%3D"]
    assert all(journal.is_done(j) for j in jobs)
    assert TOKEN not in path.read_text(encoding="utf-8")
    assert "Journal(" in repr(journal)
