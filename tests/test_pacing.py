"""Tests for truto_frame.api.pacing, on a fake clock (nothing sleeps for real)."""

from __future__ import annotations

import asyncio

import pytest
from conftest import FakeClock

from truto_frame.api.pacing import Pacer, RateLimits, parse_ratelimit_limit
from truto_frame.errors import ConfigurationError


def max_in_window(stamps: list[float], window: float) -> int:
    stamps = sorted(stamps)
    best = 0
    start = 0
    for end, t in enumerate(stamps):
        while stamps[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def grant_times(pacer: Pacer, clock: FakeClock, accounts: list[str]) -> dict[str, list]:
    times: dict[str, list[float]] = {a: [] for a in accounts}

    async def one(account: str) -> None:
        await pacer.acquire(account)
        times[account].append(clock.now)
        pacer.observe(account, 200, {})

    await asyncio.gather(*(one(a) for a in accounts))
    return times


def test_burst_never_exceeds_the_window_quota() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(50, 10.0), margin=0.0, margin_seconds=0.0), clock, clock.sleep
    )
    times = asyncio.run(clock.run(grant_times(pacer, clock, ["a"] * 175)))["a"]
    assert len(times) == 175
    assert max_in_window(times, 10.0) == 50
    assert times[:50] == [0.0] * 50  # the first window's quota goes at once
    # quota-bound: 175 requests need 3 full windows then a partial one
    assert max(times) == pytest.approx(30.0)


def test_margin_stretches_the_window() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(10, 10.0), margin=0.02, margin_seconds=0.0), clock, clock.sleep
    )
    times = asyncio.run(clock.run(grant_times(pacer, clock, ["a"] * 11)))["a"]
    assert times[-1] == pytest.approx(10.2)


def test_three_accounts_proceed_in_parallel_under_a_shared_token_budget() -> None:
    clock = FakeClock()
    limits = RateLimits(
        per_account=(50, 10.0), per_token=(120, 10.0), margin=0.0, margin_seconds=0.0
    )
    pacer = Pacer(limits, clock, clock.sleep)
    accounts = ["a", "b", "c"] * 100
    times = asyncio.run(clock.run(grant_times(pacer, clock, accounts)))
    for name in "abc":
        assert max_in_window(times[name], 10.0) <= 50
    everything = [t for name in "abc" for t in times[name]]
    assert max_in_window(everything, 10.0) <= 120
    # 300 requests at 120 per window: 3 windows, not the 6 that serial accounts would need
    assert max(everything) == pytest.approx(20.0)
    assert min(times["c"]) == 0.0  # c did not wait for a and b


def test_unlimited_pacer_never_waits() -> None:
    clock = FakeClock()
    pacer = Pacer(RateLimits.unlimited(), clock, clock.sleep)
    times = asyncio.run(clock.run(grant_times(pacer, clock, ["a"] * 1000)))["a"]
    assert set(times) == {0.0}


def test_429_pauses_the_account_only_and_stretches_its_window_once_per_burst() -> None:
    clock = FakeClock()
    limits = RateLimits(
        per_account=(10, 10.0), margin=0.0, margin_seconds=0.0, slowdown=0.05, learn=False
    )
    pacer = Pacer(limits, clock, clock.sleep)

    async def scenario() -> tuple[float, float, float, int]:
        for _ in range(3):
            await pacer.acquire("a")
        for _ in range(3):  # one burst: three 429s arrive together
            pacer.observe("a", 429, {"retry-after": "5"}, wait=5.0)
        await pacer.acquire("b")
        b_at = clock.now
        await pacer.acquire("a")
        limit, window = pacer.budgets("a")[0]
        return b_at, clock.now, window, limit

    b_at, a_at, window, limit = asyncio.run(clock.run(scenario()))
    assert b_at == 0.0
    assert a_at == pytest.approx(5.0)
    assert window == pytest.approx(10.5)  # stretched once, not three times
    assert limit == 10  # the limit is kept


def test_a_later_429_stretches_again() -> None:
    clock = FakeClock()
    limits = RateLimits(per_account=(10, 2.0), margin=0.0, margin_seconds=0.0, slowdown=0.1)
    pacer = Pacer(limits, clock, clock.sleep)
    pacer.observe("a", 429, {}, wait=1.0)
    clock.now = 5.0
    pacer.observe("a", 429, {}, wait=1.0)
    assert pacer.budgets("a")[0][1] == pytest.approx(2.0 * 1.1 * 1.1)


def test_remaining_and_reset_headers_hold_requests_until_reset() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(50, 10.0), margin=0.0, margin_seconds=0.0), clock, clock.sleep
    )

    async def scenario() -> list[float]:
        await pacer.acquire("a")
        pacer.observe("a", 200, {"ratelimit-remaining": "2", "ratelimit-reset": "4"})
        times = []
        for _ in range(4):
            await pacer.acquire("a")
            times.append(clock.now)
            pacer.observe("a", 200, {})
        return times

    assert asyncio.run(clock.run(scenario())) == [0.0, 0.0, 4.0, 4.0]


def test_learned_limit_tightens_but_never_loosens() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(50, 10.0), margin=0.0, margin_seconds=0.0), clock, clock.sleep
    )

    async def scenario(header: str, n: int) -> list[float]:
        await pacer.acquire("x" + header)
        pacer.observe("x" + header, 200, {"ratelimit-limit": header})
        times = []
        for _ in range(n):
            await pacer.acquire("x" + header)
            times.append(clock.now)
        return times

    tight = asyncio.run(clock.run(scenario("5;w=10", 10)))
    assert max_in_window([0.0, *tight], 10.0) == 5
    loose = asyncio.run(clock.run(scenario("110;w=10", 60)))
    assert max_in_window([*loose], 10.0) <= 50


def test_delay_reports_the_wait_without_counting() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(1, 10.0), margin=0.0, margin_seconds=0.0), clock, clock.sleep
    )
    assert pacer.delay("a") == 0.0
    asyncio.run(clock.run(pacer.acquire("a")))
    assert pacer.delay("a") == pytest.approx(10.0)
    assert pacer.delay("b") == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("110;w=10", (110, 10.0)),
        ("50; w=10", (50, 10.0)),
        ('50;w="60"', (50, 60.0)),
        ("100, 50;w=10", (50, 10.0)),
        ("100", (100, None)),
        ("", None),
        (None, None),
        ("lots", None),
        ("10;w=abc", (10, None)),
    ],
)
def test_parse_ratelimit_limit(text: str | None, expected: object) -> None:
    assert parse_ratelimit_limit(text) == expected


@pytest.mark.parametrize(
    "kwargs",
    [{"per_account": (0, 10.0)}, {"per_token": (5, 0.0)}, {"slowdown": 2.0}, {"margin": -1}],
)
def test_rate_limits_validation(kwargs: dict) -> None:
    # The package's own error, still a ValueError for existing except clauses.
    with pytest.raises(ConfigurationError):
        RateLimits(**kwargs)
    assert issubclass(ConfigurationError, ValueError)


def test_rounded_reset_does_not_slow_a_budget_the_windows_already_track() -> None:
    clock = FakeClock()
    pacer = Pacer(
        RateLimits(per_account=(3, 10.0), margin=0.0, margin_seconds=0.0), clock, clock.sleep
    )

    async def scenario() -> float:
        await pacer.acquire("a")
        pacer.observe("a", 200, {})  # the first answer ends the probe
        await pacer.acquire("a")
        await pacer.acquire("a")
        clock.now = 0.3  # the answer arrives; the server rounds its reset up to whole seconds
        pacer.observe("a", 200, {"ratelimit-remaining": "0", "ratelimit-reset": "10"})
        pacer.observe("a", 200, {"ratelimit-remaining": "0", "ratelimit-reset": "10"})
        await pacer.acquire("a")
        return clock.now

    assert asyncio.run(clock.run(scenario())) == pytest.approx(10.0)  # not 10.3


def test_first_request_of_an_account_goes_alone_when_learning() -> None:
    clock = FakeClock()
    pacer = Pacer(RateLimits(per_account=(50, 10.0)), clock, clock.sleep)
    order: list[str] = []

    async def one(name: str) -> None:
        await pacer.acquire("a")
        order.append(f"send {name}")
        await clock.sleep(0.2)  # latency
        order.append(f"answer {name}")
        pacer.observe("a", 200, {"ratelimit-limit": "2;w=10"})

    async def scenario() -> None:
        await asyncio.gather(*(one(str(i)) for i in range(3)))

    asyncio.run(clock.run(scenario()))
    assert order[:2] == ["send 0", "answer 0"]  # learnt 2 per 10 s before the others went
    assert clock.now == pytest.approx(10.0 * 1.02 + 0.05 + 0.2)
    assert pacer.delay("b") == 0.0


def test_probing_account_reports_a_small_delay_while_its_first_answer_is_awaited() -> None:
    clock = FakeClock()
    pacer = Pacer(RateLimits(), clock, clock.sleep)
    asyncio.run(clock.run(pacer.acquire("a")))
    assert 0 < pacer.delay("a") < 0.01
    pacer.observe("a", 200, {})
    assert pacer.delay("a") == 0.0
