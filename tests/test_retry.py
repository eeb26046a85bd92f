"""Table tests for truto_frame.api.retry: decisions, server waits, backoff."""

from __future__ import annotations

import json
import random
from email.utils import formatdate

import pytest

from truto_frame.api.retry import (
    Action,
    RetryPolicy,
    backoff_delay,
    classify_response,
    provider_reasons,
    retry_after_seconds,
)
from truto_frame.errors import ConfigurationError

TRUTO_503 = {"statusCode": 503, "error": "Service Unavailable", "message": "Account blocked"}
REMOTE_503 = {**TRUTO_503, "truto_is_remote_error": True, "raw_response": {"x": 1}}


def google_403(reason: str, *, as_text: bool = False) -> dict:
    """Truto forwarding Google Calendar's 403 with ``reason`` (raw_response as object or text)."""
    raw = {
        "error": {
            "errors": [{"domain": "usageLimits", "reason": reason, "message": "Rate Limit"}],
            "code": 403,
            "message": "Rate Limit Exceeded",
        }
    }
    return {
        "statusCode": 403,
        "error": "Forbidden",
        "message": "Rate Limit Exceeded",
        "truto_is_remote_error": True,
        "raw_response": json.dumps(raw) if as_text else raw,
    }


@pytest.mark.parametrize(
    ("status", "body", "headers", "action", "wait"),
    [
        (200, {"id": "e"}, {}, Action.OK, None),
        (204, None, {}, Action.OK, None),
        (429, {"statusCode": 429}, {"Retry-After": "7"}, Action.RETRY, 7.0),
        (429, {"statusCode": 429}, {"ratelimit-reset": "3"}, Action.RETRY, 3.0),
        (429, {"statusCode": 429}, {}, Action.RETRY, None),
        (500, {"statusCode": 500}, {}, Action.RETRY, None),
        # The quota window's reset says nothing about when a fault clears: backoff instead.
        (500, {"statusCode": 500}, {"ratelimit-reset": "9"}, Action.RETRY, None),
        (502, None, {"Retry-After": "1", "ratelimit-reset": "9"}, Action.RETRY, 1.0),
        (503, REMOTE_503, {"ratelimit-reset": "9"}, Action.RETRY, None),
        (502, "<html>bad gateway</html>", {}, Action.RETRY, None),
        (504, None, {}, Action.RETRY, None),
        (408, None, {}, Action.RETRY, None),
        (503, REMOTE_503, {"retry-after": "2"}, Action.RETRY, 2.0),
        (503, {**TRUTO_503, "truto_is_remote_error": "true"}, {}, Action.RETRY, None),
        (503, TRUTO_503, {"retry-after": "2"}, Action.BLOCKED, None),
        (503, {**TRUTO_503, "truto_is_remote_error": False}, {}, Action.BLOCKED, None),
        (503, "Service Unavailable", {}, Action.RETRY, None),
        (400, {"statusCode": 400}, {}, Action.GIVE_UP, None),
        (401, {"statusCode": 401}, {}, Action.GIVE_UP, None),
        (403, {"statusCode": 403}, {}, Action.GIVE_UP, None),
        # Google's rate limits are 403s; only the provider's reason tells them from a refusal.
        (403, google_403("rateLimitExceeded"), {}, Action.RETRY, None),
        (403, google_403("userRateLimitExceeded"), {}, Action.RETRY, None),
        (403, google_403("rateLimitExceeded", as_text=True), {}, Action.RETRY, None),
        (403, google_403("rateLimitExceeded"), {"Retry-After": "3"}, Action.RETRY, 3.0),
        (403, google_403("forbiddenForNonOrganizer"), {}, Action.GIVE_UP, None),
        (403, google_403("insufficientPermissions"), {}, Action.GIVE_UP, None),
        (403, {"statusCode": 403, "raw_response": "not json"}, {}, Action.GIVE_UP, None),
        (
            403,
            {"statusCode": 403, "raw_response": {"error": "rateLimitExceeded"}},
            {},
            Action.GIVE_UP,
            None,
        ),
        (400, google_403("rateLimitExceeded"), {}, Action.GIVE_UP, None),
        (404, {"statusCode": 404, "truto_is_remote_error": True}, {}, Action.GIVE_UP, None),
        (405, {"statusCode": 405}, {}, Action.GIVE_UP, None),
        (409, {"statusCode": 409}, {}, Action.GIVE_UP, None),
        (422, {"statusCode": 422}, {"Retry-After": "1"}, Action.GIVE_UP, None),
        (501, None, {}, Action.GIVE_UP, None),
        (302, None, {}, Action.GIVE_UP, None),
    ],
)
def test_classify_response(status: int, body: object, headers: dict, action: Action, wait) -> None:
    decision = classify_response(status, body, headers)
    assert decision.action is action
    assert decision.wait == wait


@pytest.mark.parametrize(
    ("status", "body", "throttled"),
    [
        (429, {}, True),
        (403, google_403("rateLimitExceeded"), True),
        (403, google_403("forbidden"), False),
        (500, {}, False),
        (200, {}, False),
    ],
)
def test_rate_limits_are_marked_throttled_for_the_pacer(
    status: int, body: object, throttled: bool
) -> None:
    assert classify_response(status, body, {}).throttled is throttled


def test_provider_reasons_reads_every_reason_and_ignores_other_shapes() -> None:
    body = google_403("rateLimitExceeded")
    body["raw_response"]["error"]["errors"].append({"reason": "quotaExceeded"})
    assert provider_reasons(body) == ["rateLimitExceeded", "quotaExceeded"]
    assert provider_reasons({"raw_response": {"error": {"code": "ErrorAccessDenied"}}}) == []
    assert provider_reasons({"raw_response": {"error": {"errors": [{"reason": 3}, "x"]}}}) == []
    assert provider_reasons("403 Forbidden") == []


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "5"}, 5.0),
        ({"retry-after": " 1.5 "}, 1.5),
        ({"RETRY-AFTER": "0"}, 0.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": formatdate(NOW + 12, usegmt=True)}, 12.0),
        ({"Retry-After": formatdate(NOW - 12, usegmt=True)}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "soon", "ratelimit-reset": "4"}, 4.0),
        ({"ratelimit-reset": "9"}, 9.0),
        ({"RateLimit-Reset": "9"}, 9.0),
        ({"ratelimit-reset": "nan"}, None),
        ({"Retry-After": "2", "ratelimit-reset": "9"}, 2.0),
    ],
)
def test_retry_after_seconds(headers: dict, expected: float | None) -> None:
    assert retry_after_seconds(headers, now=lambda: NOW) == expected


def test_retry_after_reads_httpx_headers() -> None:
    import httpx

    assert retry_after_seconds(httpx.Headers({"Retry-After": "3"})) == 3.0


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (100, 30.0), (10_000, 30.0)],
)
def test_backoff_without_jitter_is_exponential_and_capped(attempt: int, expected: float) -> None:
    assert backoff_delay(attempt, RetryPolicy(jitter="none")) == expected


def test_full_jitter_stays_within_step_and_spreads() -> None:
    rng = random.Random(42)
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    draws = [backoff_delay(3, policy, rng) for _ in range(500)]
    assert all(0 <= d <= 4.0 for d in draws)
    assert max(draws) > 3.0 and min(draws) < 1.0
    assert all(0 <= backoff_delay(50, policy, rng) <= 8.0 for _ in range(100))


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"base_delay": -1}, {"jitter": "equal"}])
def test_policy_validation(kwargs: dict) -> None:
    # The package's own error, still a ValueError for existing except clauses.
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)
    assert issubclass(ConfigurationError, ValueError)
