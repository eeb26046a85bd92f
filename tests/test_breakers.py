"""Tests for the circuit breakers: truto_frame.engine.breakers (pure) and the runner using them."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from truto_frame.api.client import TrutoClient
from truto_frame.api.outcome import CallResult
from truto_frame.api.pacing import RateLimits
from truto_frame.api.refusals import Scope, refusal_of
from truto_frame.engine.breakers import Breakers
from truto_frame.engine.runner import Job, run_jobs

TRUTO_401 = {"statusCode": 401, "error": "Unauthorized", "message": "Invalid API token"}
REMOTE_401 = {**TRUTO_401, "message": "Invalid Credentials", "truto_is_remote_error": True}
ACCOUNT_404 = {"statusCode": 404, "message": "Integrated account not found"}
EVENT_404 = {"statusCode": 404, "message": "Not Found", "truto_is_remote_error": True}
SANDBOX_405 = {"statusCode": 405, "message": "This integrated account is read-only"}


@pytest.mark.parametrize(
    ("status", "body", "scope", "says"),
    [
        (401, TRUTO_401, Scope.TOKEN, "TRUTO_API_TOKEN"),
        (401, REMOTE_401, Scope.ACCOUNT, "reconnect the account in Truto"),
        (403, {"statusCode": 403}, Scope.ACCOUNT, "token belongs"),
        (404, ACCOUNT_404, Scope.ACCOUNT, "integrated account id"),
        (405, SANDBOX_405, Scope.ACCOUNT, "real (non-sandbox)"),
        (503, {"statusCode": 503}, Scope.ACCOUNT, "dashboard"),
        (403, {"statusCode": 403, "truto_is_remote_error": True}, None, ""),
        (404, EVENT_404, None, ""),
        (404, {"statusCode": 404, "message": "Not Found"}, None, ""),
        (400, {"statusCode": 400}, None, ""),
        (409, {"statusCode": 409}, None, ""),
        (503, "gateway page", None, ""),
        (None, None, None, ""),
    ],
)
def test_refusal_table(status: int | None, body: Any, scope: Scope | None, says: str) -> None:
    refusal = refusal_of(status, body)
    if scope is None:
        assert refusal is None
    else:
        assert refusal is not None and refusal.scope is scope
        assert says in refusal.message("acc-1")
        assert ("acc-1" in refusal.message("acc-1")) is (scope is Scope.ACCOUNT)


def answer(status: int, body: Any = None) -> CallResult:
    return CallResult(status < 300, status, body, None if status < 300 else f"{status}", 1)


def no_answer(kind: str) -> CallResult:
    return CallResult(False, None, None, f"{kind} failure", 1, "failed", kind)


def test_token_refusal_stops_the_run_and_account_refusal_only_its_account() -> None:
    breakers = Breakers("https://h")
    trip = breakers.observe("a", answer(405, SANDBOX_405))
    assert trip is not None and trip.account == "a"
    assert breakers.stopped("a") is trip and breakers.stopped("b") is None
    assert breakers.observe("a", answer(405, SANDBOX_405)) is None  # tripped once
    run_trip = breakers.observe("b", answer(401, TRUTO_401))
    assert run_trip is not None and run_trip.account is None
    assert "TRUTO_API_TOKEN" in run_trip.message
    assert breakers.stopped("c") is run_trip


def test_row_failures_never_trip() -> None:
    breakers = Breakers("https://h")
    for status, body in [(404, EVENT_404), (400, {}), (422, {}), (500, {}), (429, {})]:
        assert breakers.observe("a", answer(status, body)) is None
    assert breakers.stopped("a") is None


def test_unreachable_host_trips_after_a_few_attempts_in_a_row() -> None:
    breakers = Breakers("https://h", unreachable_after=3)
    assert breakers.observe("a", no_answer("connect")) is None
    assert breakers.observe("b", no_answer("timeout")) is None
    trip = breakers.observe("a", no_answer("connect"))
    assert trip is not None and trip.account is None
    assert trip.message.startswith("could not connect to https://h (3 attempts in a row")


def test_any_answer_resets_the_streak_and_drops_need_a_longer_one() -> None:
    breakers = Breakers("https://h", unreachable_after=3, silent_after=5)
    for _ in range(10):  # a flaky but living host: answers between failures
        assert breakers.observe("a", no_answer("connect")) is None
        assert breakers.observe("a", no_answer("connect")) is None
        assert breakers.observe("a", answer(502, {})) is None
    for _ in range(4):
        assert breakers.observe("a", no_answer("dropped")) is None
    trip = breakers.observe("a", no_answer("dropped"))
    assert trip is not None and trip.message.startswith("no answer from https://h")


# -- the runner ---------------------------------------------------------------------------------


def client_for(handler: Any, **kwargs: Any) -> TrutoClient:
    async def instant(_: float) -> None:
        await asyncio.sleep(0)

    kwargs.setdefault("limits", RateLimits.unlimited())
    kwargs.setdefault("sleep", instant)
    return TrutoClient(
        "tok", "https://api.example.test", transport=httpx.MockTransport(handler), **kwargs
    )


def jobs_for(accounts: dict[str, int]) -> list[Job]:
    return [
        Job(f"{account}-{i}", f"e{i}", account, {"title": "x"})
        for account, n in accounts.items()
        for i in range(n)
    ]


def test_refused_token_stops_every_row_after_the_first_answers() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params["integrated_account_id"])
        return httpx.Response(401, json=TRUTO_401)

    jobs = jobs_for({"a": 100, "b": 100})
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=4, progress=False))
    assert len(results) == 200
    assert len(sent) <= 4  # the first wave only
    assert all("TRUTO_API_TOKEN" in (r.error or "") for r in results.values())
    outcomes = Counter(r.outcome for r in results.values())
    assert outcomes["cancelled"] >= 196 and outcomes["failed"] == len(sent)


def test_refused_account_stops_its_rows_and_the_others_go_on() -> None:
    sent: Counter[str] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        account = request.url.params["integrated_account_id"]
        sent[account] += 1
        if account == "reauth":
            return httpx.Response(401, json=REMOTE_401)
        if account == "sandbox":
            return httpx.Response(405, json=SANDBOX_405)
        return httpx.Response(200, json={"id": "e"})

    jobs = jobs_for({"reauth": 30, "sandbox": 30, "fine": 30})
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=3, progress=False))
    assert sent["fine"] == 30 and sent["reauth"] <= 3 and sent["sandbox"] <= 3
    for job in jobs:
        result = results[job.key]
        if job.integrated_account_id == "fine":
            assert result.ok
        elif job.integrated_account_id == "reauth":
            assert "reconnect the account in Truto" in (result.error or "")
        else:
            assert "real (non-sandbox)" in (result.error or "")


def test_unreachable_host_stops_the_run_within_a_few_attempts() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("[Errno 111] Connection refused")

    jobs = jobs_for({"a": 60, "b": 40})
    results = asyncio.run(run_jobs(client_for(handler), jobs, concurrency=16, progress=False))
    assert len(results) == 100
    assert attempts <= 16 + 3  # the first wave, and at most a retry of the first failures
    for result in results.values():
        assert not result.ok
        assert "could not connect to https://api.example.test" in (result.error or "")
    assert sum(r.outcome == "cancelled" for r in results.values()) >= 100 - 16
