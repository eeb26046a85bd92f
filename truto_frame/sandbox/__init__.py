"""The sandbox: an emulator of Truto's Unified Calendar API, for tests, demos and rehearsals.

Use it in process::

    import httpx
    from truto_frame.sandbox import GOOGLE_ACCOUNT_ID, create_app

    app = create_app()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox")

or over real HTTP with :func:`running_server` (a thread) or :func:`serve` (``truto-frame
sandbox``). ``app.state.sandbox`` is the :class:`Sandbox`: its request log, events, counters and
fault switches. The default token is ``"sandbox-token"``.
"""

from .accounts import (
    BLOCKED_ACCOUNT_ID,
    DEFAULT_ACCOUNTS,
    GOOGLE_ACCOUNT_ID,
    GOOGLECALENDAR_ACCOUNT_ID,
    NEEDS_REAUTH_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    READ_ONLY_ACCOUNT_ID,
    calendars_for,
)
from .app import ConnectionDropped, create_app
from .config import DEFAULT_TOKEN, SandboxConfig
from .core import RecordedRequest, Sandbox
from .faults import FAULT_KINDS, FaultConfig, RateLimit
from .server import running_server, running_server_process, serve

__all__ = [
    "BLOCKED_ACCOUNT_ID",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "GOOGLECALENDAR_ACCOUNT_ID",
    "GOOGLE_ACCOUNT_ID",
    "NEEDS_REAUTH_ACCOUNT_ID",
    "OUTLOOK_ACCOUNT_ID",
    "READ_ONLY_ACCOUNT_ID",
    "ConnectionDropped",
    "FaultConfig",
    "RateLimit",
    "RecordedRequest",
    "Sandbox",
    "SandboxConfig",
    "calendars_for",
    "create_app",
    "running_server",
    "running_server_process",
    "serve",
]
