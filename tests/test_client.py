"""Tests for truto_frame.api.client over httpx.MockTransport and a tiny local HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from truto_frame.api.client import (
    CallResult,
    TrutoClient,
    describe_error,
    idempotency_key_for,
    new_run_nonce,
    resolve_base_url,
    resolve_token,
)
from truto_frame.api.idempotency import payload_hash
from truto_frame.api.options import RequestOptions
from truto_frame.api.pacing import RateLimits
from truto_frame.api.retry import RetryPolicy
from truto_frame.errors import APIConnectionError, APIStatusError, ConfigurationError

TOKEN = "tok-SECRET-0123456789"
ODD_ID = "abc/def+ghi==_x y"


class Recorder:
    """A MockTransport handler answering from a script, recording every request."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[..., Any]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def make_client(handler: Recorder, sleeps: list[float] | None = None, **kwargs: Any) -> TrutoClient:
    record = sleeps if sleeps is not None else []
    now = [0.0]

    async def fake_sleep(delay: float) -> None:
        record.append(delay)
        now[0] += delay  # the pacer reads the same fake clock

    kwargs.setdefault("limits", RateLimits.unlimited())
    return TrutoClient(
        token=TOKEN,
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=fake_sleep,
        clock=lambda: now[0],
        **kwargs,
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def patch(client: TrutoClient, **kwargs: Any) -> CallResult:
    async with client:
        return await client.update_event(
            kwargs.pop("event_id", ODD_ID),
            "acc-1",
            kwargs.pop("payload", {"title": "T"}),
            **kwargs,
        )


def test_patch_on_the_wire() -> None:
    handler = Recorder(httpx.Response(200, json={"id": ODD_ID, "title": "T"}))
    options = RequestOptions(
        send_notifications="none",
        exclude_fields=("remote_data", "attendees"),
        remote_query={"sendUpdates": "none", "flag": True},
    )
    result = run(patch(make_client(handler), payload={"title": "Ü", "n": None}, options=options))
    assert result == CallResult(True, 200, {"id": ODD_ID, "title": "T"}, None, 1, "ok")
    [request] = handler.requests
    assert request.method == "PATCH"
    assert request.url.raw_path.split(b"?")[0] == (
        b"/unified/calendar/events/abc%2Fdef%2Bghi%3D%3D_x%20y"
    )
    params = request.url.params
    assert params.get_list("truto_exclude_fields[]") == ["remote_data", "attendees"]
    assert params["remote_query[sendUpdates]"] == "none"
    assert params["remote_query[flag]"] == "true"
    assert params["send_notifications"] == "none"
    assert params["integrated_account_id"] == "acc-1"
    assert params["truto_response_format"] == "unified"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    # A fresh nonce per call: 64 hex digits, never the bare payload hash (see the next test).
    key = request.headers["idempotency-key"]
    assert len(key) == 64 and key != payload_hash(ODD_ID, {"title": "Ü", "n": None})
    assert json.loads(request.content) == {"title": "Ü", "n": None}


def test_retries_502_then_succeeds_with_the_same_idempotency_key() -> None:
    handler = Recorder(
        httpx.Response(502, text="bad gateway"),
        httpx.Response(500, json={"statusCode": 500, "message": "oops"}),
        httpx.Response(200, json={"id": "e"}),
    )
    sleeps: list[float] = []
    result = run(patch(make_client(handler, sleeps), idempotency_key="key-1"))
    assert result.ok and result.attempts == 3
    assert [r.headers["idempotency-key"] for r in handler.requests] == ["key-1"] * 3
    assert len(sleeps) == 2 and all(0 <= s <= 1.0 for s in sleeps)


def test_no_retry_on_404_and_error_keeps_everything() -> None:
    body = {
        "statusCode": 404,
        "error": "Not Found",
        "message": "Event not found",
        "truto_is_remote_error": True,
        "raw_response": {"error": {"code": 404}},
    }
    handler = Recorder(httpx.Response(404, json=body))
    result = run(patch(make_client(handler)))
    assert len(handler.requests) == 1
    assert (result.ok, result.http_status, result.attempts, result.outcome) == (
        False,
        404,
        1,
        "failed",
    )
    assert result.body == body
    assert result.error == "404 Not Found: Event not found (remote error from provider)"


def test_validation_error_shows_insight() -> None:
    body = {
        "statusCode": 422,
        "message": "Missing fields",
        "truto_error_insight": {"missing_required_body_fields": ["calendar"]},
    }
    result = run(patch(make_client(Recorder(httpx.Response(422, json=body)))))
    assert result.attempts == 1
    assert result.body["truto_error_insight"] == body["truto_error_insight"]
    assert "missing_required_body_fields" in result.error


def test_truto_own_503_is_account_blocked_and_not_retried() -> None:
    body = {"statusCode": 503, "error": "Service Unavailable", "message": "Account blocked"}
    handler = Recorder(httpx.Response(503, json=body))
    result = run(patch(make_client(handler)))
    assert len(handler.requests) == 1
    assert result.outcome == "account_blocked" and not result.ok
    assert "blocked" in result.error


def test_remote_503_is_retried() -> None:
    handler = Recorder(
        httpx.Response(503, json={"statusCode": 503, "truto_is_remote_error": True}),
        httpx.Response(200, json={}),
    )
    assert run(patch(make_client(handler))).attempts == 2


def test_timeouts_and_dropped_connections_are_retried() -> None:
    handler = Recorder(
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("Server disconnected"),
        httpx.Response(200, json={"id": "e"}),
    )
    result = run(patch(make_client(handler)))
    assert result.ok and result.attempts == 3


def test_network_failure_after_every_attempt() -> None:
    handler = Recorder(httpx.ConnectError("refused"))
    result = run(patch(make_client(handler, retry=RetryPolicy(max_attempts=3))))
    assert (result.ok, result.http_status, result.attempts) == (False, None, 3)
    # The error names the host it could not reach (issue 9: "every row saying it could not
    # connect"), and the result says no connection was made, for the engine's breaker.
    assert result.error == "could not connect to https://api.example.test: ConnectError: refused"
    assert result.no_answer == "connect"


@pytest.mark.parametrize(
    ("exc", "kind", "text"),
    [
        (httpx.ConnectTimeout("slow"), "connect", "could not connect to {} within 2 s"),
        (httpx.ReadTimeout("slow"), "timeout", "timed out after 7 s"),
        (httpx.RemoteProtocolError("gone"), "dropped", "connection error"),
        (httpx.ReadError("reset"), "dropped", "connection error"),
    ],
)
def test_no_answer_says_which_kind(exc: Exception, kind: str, text: str) -> None:
    client = make_client(
        Recorder(exc), retry=RetryPolicy(max_attempts=1), timeout=7.0, connect_timeout=2.0
    )
    result = run(patch(client))
    assert result.no_answer == kind
    assert result.error is not None
    assert result.error.startswith(text.format(client.base_url))


def test_an_answer_is_not_a_no_answer() -> None:
    result = run(patch(make_client(Recorder(httpx.Response(500, json={})), retry=RetryPolicy(1))))
    assert result.http_status == 500 and result.no_answer is None


def test_429_waits_retry_after_and_pauses_the_account() -> None:
    handler = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"statusCode": 429}),
        httpx.Response(200, json={}),
    )
    sleeps: list[float] = []
    client = make_client(handler, sleeps)
    result = run(patch(client))
    assert result.ok and result.attempts == 2
    assert sleeps[0] == 3.0
    assert client.pacer.paused_until("acc-1") > 0


def test_gives_up_when_server_asks_too_long_a_wait() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}))
    result = run(patch(make_client(handler)))
    assert result.attempts == 1 and "3600" in result.error


def test_gives_up_after_max_attempts() -> None:
    handler = Recorder(httpx.Response(500, json={"statusCode": 500, "message": "down"}))
    result = run(patch(make_client(handler, retry=RetryPolicy(max_attempts=4))))
    assert result.attempts == 4 and result.http_status == 500
    assert result.error == "500 Internal Server Error: down (after 4 attempts)"


def test_unserializable_payload_is_not_sent() -> None:
    handler = Recorder(httpx.Response(200, json={}))
    result = run(patch(make_client(handler), payload={"x": float("nan")}))
    assert not handler.requests
    assert result.attempts == 0 and "not valid JSON" in result.error


def test_bad_ids_fail_the_row_without_raising() -> None:
    handler = Recorder(httpx.Response(200, json={}))
    result = run(patch(make_client(handler), event_id=""))
    assert not handler.requests and not result.ok and "event id" in result.error


def test_on_send_and_on_retry_hooks() -> None:
    handler = Recorder(httpx.Response(502), httpx.Response(200, json={}))
    sent: list[int] = []
    retried: list[CallResult] = []
    result = run(patch(make_client(handler), on_send=sent.append, on_retry=retried.append))
    assert result.ok and sent == [1, 2]
    assert [r.http_status for r in retried] == [502]


def test_get_event_sends_calendar_id() -> None:
    handler = Recorder(httpx.Response(200, json={"id": "e"}))

    async def main() -> CallResult:
        async with make_client(handler) as client:
            return await client.get_event("a/b", "acc-1", calendar_id="primary")

    assert run(main()).body == {"id": "e"}
    request = handler.requests[0]
    assert request.method == "GET" and request.url.params["calendar[id]"] == "primary"
    assert request.url.raw_path.startswith(b"/unified/calendar/events/a%2Fb?")


def test_list_events_follows_next_cursor() -> None:
    def page(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("next_cursor")
        following = {None: "c1", "c1": "c2", "c2": None}[cursor]
        return httpx.Response(200, json={"result": [{"id": cursor}], "next_cursor": following})

    handler = Recorder(page)

    async def main() -> list[list[dict]]:
        async with make_client(handler) as client:
            return [
                p
                async for p in client.list_events(
                    "acc-1", start_time="2026-01-01T00:00:00Z", end_time="2026-02-01T00:00:00Z"
                )
            ]

    pages = run(main())
    assert [p[0]["id"] for p in pages] == [None, "c1", "c2"]
    first = handler.requests[0].url.params
    assert first["start_time"] == "2026-01-01T00:00:00Z" and "next_cursor" not in first
    assert "calendar[id]" not in first


def test_list_events_raises_on_error() -> None:
    handler = Recorder(httpx.Response(401, json={"statusCode": 401, "message": "Unauthorized"}))

    async def main() -> None:
        async with make_client(handler) as client:
            async for _ in client.list_events("acc-1"):
                pass

    with pytest.raises(APIStatusError) as info:
        run(main())
    assert info.value.status_code == 401 and "Unauthorized" in str(info.value)


def test_get_integrated_account() -> None:
    handler = Recorder(httpx.Response(200, json={"id": "acc/1", "integration": {"name": "x"}}))

    async def main() -> dict:
        async with make_client(handler) as client:
            return await client.get_integrated_account("acc/1")

    assert run(main())["integration"] == {"name": "x"}
    assert handler.requests[0].url.raw_path == b"/integrated-account/acc%2F1"

    failing = Recorder(httpx.ConnectError("refused"))

    async def fail() -> dict:
        async with make_client(failing, retry=RetryPolicy(max_attempts=1)) as client:
            return await client.get_integrated_account("acc")

    with pytest.raises(APIConnectionError):
        run(fail())


def test_token_and_base_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUTO_API_TOKEN", raising=False)
    monkeypatch.delenv("TRUTO_API_BASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="TRUTO_API_TOKEN"):
        TrutoClient()
    with pytest.raises(ConfigurationError):
        resolve_token("   ")
    assert resolve_base_url() == "https://api.truto.one"
    monkeypatch.setenv("TRUTO_API_TOKEN", "from-env")
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://127.0.0.1:9/")
    client = TrutoClient()
    assert client.base_url == "http://127.0.0.1:9"
    assert "from-env" not in repr(client)
    with pytest.raises(ConfigurationError):
        resolve_base_url("ftp://x")


def test_http_clients_are_made_once_per_loop_and_reused() -> None:
    handler = Recorder(httpx.Response(200, json={}))
    client = make_client(handler)

    async def main() -> tuple[bool, int]:
        await client.update_event("e1", "a", {})
        pools = list(client.pools.clients)
        await client.update_event("e2", "a", {})
        same = client.pools.clients == pools
        await client.aclose()
        return same, len(pools)

    assert run(main()) == (True, 1)  # a given transport needs no pool sharding
    assert client.pools.clients == []


def test_requests_spread_over_small_pools_without_a_transport() -> None:
    client = TrutoClient(TOKEN, "http://127.0.0.1:9", max_connections=32)

    async def main() -> tuple[list[int], list[int]]:
        pools = client.pools
        with contextlib.ExitStack() as held:
            picks = []
            for _ in range(8):
                http = held.enter_context(pools.borrow())
                picks.append(pools.clients.index(http))
            busy = list(pools.busy)
        after = list(pools.busy)
        await client.aclose()
        return picks, busy + after

    picks, busy = run(main())
    assert sorted(picks) == [0, 0, 1, 1, 2, 2, 3, 3]  # the least busy of 4 pools each time
    assert busy == [2, 2, 2, 2, 0, 0, 0, 0]  # 2 each while held, every borrow given back


def test_idempotency_key_ignores_key_order_and_depends_on_id_and_nonce() -> None:
    assert idempotency_key_for("e", {"a": 1, "b": [1, 2]}, "n") == idempotency_key_for(
        "e", {"b": [1, 2], "a": 1}, "n"
    )
    assert idempotency_key_for("e", {"a": 1}, "n") != idempotency_key_for("f", {"a": 1}, "n")
    assert idempotency_key_for("e", {"a": 1}, "n") != idempotency_key_for("e", {"a": 1}, "m")
    assert len(idempotency_key_for("e", {}, "n")) == 64
    assert payload_hash("e", {"a": 1, "b": 2}) == payload_hash("e", {"b": 2, "a": 1})
    assert new_run_nonce() != new_run_nonce()


def test_two_calls_with_the_same_body_get_different_keys() -> None:
    handler = Recorder(httpx.Response(200, json={"id": "e"}))

    async def twice() -> None:
        client = make_client(handler)
        async with client:
            for _ in range(2):
                await client.update_event("e", "acc-1", {"title": "T"})

    run(twice())
    first, second = (r.headers["idempotency-key"] for r in handler.requests)
    assert first != second


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"message": "Event  not\nfound"}, "404 Not Found: Event not found"),
        (400, {"error": "Bad Request"}, "400 Bad Request: Bad Request"),
        (502, "<html>x</html>", "502 Bad Gateway: <html>x</html>"),
        (599, None, "599 Error"),
        (400, {"message": "bad\x1b[31m red\x07"}, "400 Bad Request: bad [31m red"),
        (400, {"message": "x" * 500}, "400 Bad Request: " + "x" * 299 + "…"),
        # No message: the provider's own words (raw_response) stand in (issue 9).
        (
            403,
            {
                "message": "",
                "error": "Forbidden",
                "truto_is_remote_error": True,
                "raw_response": {"error": {"code": 403, "message": "Not the organizer"}},
            },
            "403 Forbidden: Not the organizer (remote error from provider)",
        ),
        (
            409,
            {"raw_response": '{"error": {"message": "etag mismatch"}}'},
            "409 Conflict: etag mismatch",
        ),
        (400, {"raw_response": "plain words"}, "400 Bad Request: plain words"),
        # Truto's documented insight shape: the kind and its values.
        (
            400,
            {
                "message": "Missing",
                "truto_error_insight": {
                    "missing_required_body_fields": {
                        "description": "required",
                        "value": ["start_time", "end_time"],
                    }
                },
            },
            "400 Bad Request: Missing [missing_required_body_fields: start_time, end_time]",
        ),
    ],
)
def test_describe_error(status: int, body: object, expected: str) -> None:
    assert describe_error(status, body) == expected


async def _serve_json(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A keep-alive HTTP/1.1 server that answers 401 echoing the Authorization header."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            pairs = (line.split(": ", 1) for line in lines[1:] if ": " in line)
            headers = {name.lower(): value for name, value in pairs}
            length = int(headers.get("content-length", "0"))
            if length:
                await reader.readexactly(length)
            auth = headers.get("authorization", "")
            body = json.dumps({"statusCode": 401, "message": f"bad token {auth}"}).encode()
            writer.write(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                + f"X-Echo: {auth}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def test_token_never_in_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> tuple[CallResult, str]:
        handlers: set[asyncio.Task[None]] = set()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.add(asyncio.current_task())  # type: ignore[arg-type]
            await _serve_json(reader, writer)

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            client = TrutoClient(TOKEN, f"http://127.0.0.1:{port}", limits=RateLimits.unlimited())
            async with client:
                result = await client.update_event("e/1", "acc", {"title": "x"})
                http = client.pools.clients[0]
                texts = repr(client) + repr(http) + repr(http.headers) + repr(client.pacer)
                texts += repr(vars(client)) + str(vars(client))
                try:
                    async for _ in client.list_events("acc"):
                        pass
                except APIStatusError as exc:
                    texts += str(exc) + repr(exc) + repr(exc.body)
            return result, texts
        finally:
            # the client closed its connections: let the handlers see EOF and end
            await asyncio.wait(handlers, timeout=5)
            server.close()
            await server.wait_closed()

    with caplog.at_level(logging.DEBUG):
        result, texts = run(main())
    assert result.http_status == 401
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # really logged
    everything = (
        texts + repr(result) + "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    )
    assert TOKEN not in everything
    assert "[redacted]" in result.error


def test_run_key_from_a_digest_equals_the_key_from_the_body() -> None:
    from truto_frame.api.idempotency import run_key

    body = {"title": "T", "attendees": [{"person": {"name": "Ann"}}]}
    assert run_key(payload_hash("e/1", body), "n") == idempotency_key_for("e/1", body, "n")
