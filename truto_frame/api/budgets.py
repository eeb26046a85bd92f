"""Rate-limit budgets as configured and as the server states them: what the pacer paces to.

:class:`RateLimits` holds the configured budgets (Truto's documented 50 requests per 10 s per
integrated account and 500 per 10 s per API token by default); :func:`parse_budget` reads one
as a person writes it (``50/10``) and :func:`parse_ratelimit_limit` one as a server's
``ratelimit-limit`` header states it. :mod:`truto_frame.api.pacing` enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError

__all__ = ["RateLimits", "parse_budget", "parse_ratelimit_limit"]


@dataclass(frozen=True)
class RateLimits:
    """The request budgets to pace to.

    Parameters
    ----------
    per_account : (int, float) or None
        ``(limit, window_seconds)`` for each integrated account; ``None`` for no limit.
        Default: Truto's documented 50 requests per 10 s.
    per_token : (int, float) or None
        ``(limit, window_seconds)`` shared by every account of the API token; ``None`` for no
        limit. Default: Truto's documented 500 requests per 10 s.
    margin : float
        Fraction by which windows are stretched to absorb latency jitter (0.02: 10 s -> 10.2 s).
    margin_seconds : float
        Seconds added to every window on top of ``margin`` (arrival jitter does not shrink with
        the window).
    slowdown : float
        Fraction by which a 429 stretches the account's windows (0.05: 10 s -> 10.5 s).
    learn : bool
        Whether to refine the budgets from ``ratelimit-*`` response headers. Learning also
        sends an account's first request alone and waits for its answer before the others (one
        latency per account), so that a budget smaller than configured is known before a burst.
    """

    per_account: tuple[int, float] | None = (50, 10.0)
    per_token: tuple[int, float] | None = (500, 10.0)
    margin: float = 0.02
    margin_seconds: float = 0.05
    slowdown: float = 0.05
    learn: bool = True

    def __post_init__(self) -> None:
        for name in ("per_account", "per_token"):
            budget = getattr(self, name)
            if budget is not None and (budget[0] < 1 or budget[1] <= 0):
                raise ConfigurationError(
                    f"{name} must be (limit >= 1, window > 0) or None, not {budget}"
                )
        if not 0 <= self.slowdown <= 1:
            raise ConfigurationError(f"slowdown must be in [0, 1], not {self.slowdown}")
        if self.margin < 0 or self.margin_seconds < 0:
            raise ConfigurationError("margin and margin_seconds must not be negative")

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No client-side pacing at all: only a 429's ``Retry-After`` is honoured.

        Returns
        -------
        RateLimits
            ``RateLimits(per_account=None, per_token=None, learn=False)``.
        """
        return cls(per_account=None, per_token=None, learn=False)


def parse_budget(text: str) -> tuple[int, float] | None:
    """Read a budget as a person writes it: ``"50/10"`` is 50 requests per 10 seconds.

    Parameters
    ----------
    text : str
        ``LIMIT/SECONDS``, or ``none`` (also ``off``) for no limit.

    Returns
    -------
    (int, float) or None
        For :class:`RateLimits` ``per_account`` / ``per_token``.

    Raises
    ------
    ConfigurationError
        When the text is not of that form, or the limit is below 1 or the window not positive
        (also a ``ValueError``).

    Examples
    --------
    >>> parse_budget("10/2")
    (10, 2.0)
    >>> parse_budget("none") is None
    True
    """
    if text.strip().lower() in {"none", "off"}:
        return None
    limit, slash, window = text.partition("/")
    try:
        budget = (int(limit), float(window))
    except ValueError:
        budget = None
    if not slash or budget is None or budget[0] < 1 or not budget[1] > 0:
        raise ConfigurationError(f"expected LIMIT/SECONDS such as 50/10, or none; got {text!r}")
    return budget


def parse_ratelimit_limit(text: str | None) -> tuple[int, float | None] | None:
    """Read a ``ratelimit-limit`` header: ``"110;w=10"`` -> ``(110, 10.0)``.

    Parameters
    ----------
    text : str or None
        The header value; of a list (``"110, 110;w=10"``) the first item with a window wins.

    Returns
    -------
    (int, float or None) or None
        The limit and the window (``None`` when not stated), or ``None`` when unreadable.
    """
    if not text:
        return None
    best: tuple[int, float | None] | None = None
    for item in text.split(","):
        parts = [part.strip() for part in item.split(";")]
        try:
            limit = int(parts[0])
        except ValueError:
            continue
        window: float | None = None
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip() == "w":
                try:
                    window = float(value.strip().strip('"'))
                except ValueError:
                    window = None
        if window is not None and window > 0 and limit >= 0:
            return (limit, window)
        if best is None and limit >= 0:
            best = (limit, None)
    return best
