"""Routes beside the unified API: the integrated account, and the sandbox's admin surface.

``GET /_sandbox/stats`` returns the counters, ``POST /_sandbox/reset`` restores the seeded
state, ``POST /_sandbox/faults`` takes a JSON object of :class:`~.faults.FaultConfig` fields
(and an optional ``"script"`` list of fault kinds): handy when the sandbox runs in another
process. ``POST /_sandbox/events/{account_id}/{event_id}`` changes an event behind the
client's back (JSON object of update fields, as :meth:`~.core.Sandbox.edit_event`), to rehearse
concurrent edits between plan and apply. They need the same bearer token.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .config import SandboxConfig
from .faults import FAULT_KINDS, FaultConfig
from .responses import Reply, check_auth, sandbox_of, truto_error
from .store import StoreError

__all__ = ["account_record", "admin", "edit_event", "integrated_account"]


async def integrated_account(request: Request) -> Response:
    """``GET /integrated-account/{account_id}``: the account and its integration."""
    sandbox = sandbox_of(request)
    try:
        check_auth(sandbox, request)
    except Reply as reply:
        return reply.response
    account = request.path_params["account_id"]
    integration = sandbox.config.accounts.get(account)
    if integration is None:
        return truto_error(404, "Integrated account not found")
    return JSONResponse(account_record(sandbox.config, account, integration))


def account_record(config: SandboxConfig, account: str, integration: str) -> dict[str, Any]:
    """The integrated account as Truto answers it (fields as on Truto's API reference)."""
    digest = hashlib.sha256(account.encode()).hexdigest()
    uid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    reauth = account in config.needs_reauth_accounts
    return {
        "id": account,
        "tenant_id": f"tenant-{digest[:6]}",
        "environment_id": uid,
        "integration_name": integration,
        "integration": {"name": integration, "category": "calendar"},
        "status": "needs_reauth" if reauth else "active",
        "is_sandbox": account in config.read_only_accounts,
        "authentication_method": "oauth2",
        "created_at": "2026-01-15T09:30:00.000Z",
        "updated_at": "2026-11-02T16:05:00.000Z",
    }


async def admin(request: Request) -> Response:
    """``/_sandbox/{stats|reset|faults}``: inspect and steer a running sandbox."""
    sandbox = sandbox_of(request)
    try:
        check_auth(sandbox, request)
    except Reply as reply:
        return reply.response
    action = request.path_params["action"]
    if action == "stats" and request.method == "GET":
        return JSONResponse(sandbox.stats())
    if action == "reset" and request.method == "POST":
        sandbox.reset()
        return JSONResponse({"ok": True})
    if action == "faults" and request.method == "POST":
        try:
            changes = await request.json()
            script = changes.pop("script", None)
            config = sandbox.set_faults(**changes)
            if script:
                sandbox.script_faults(script)
        except (ValueError, TypeError, AttributeError) as exc:
            return truto_error(400, f"bad fault settings: {exc}")
        known = [f.name for f in dataclasses.fields(FaultConfig)]
        return JSONResponse(
            {"faults": {k: getattr(config, k) for k in known}, "kinds": list(FAULT_KINDS)}
        )
    return truto_error(404, "Not Found")


async def edit_event(request: Request) -> Response:
    """``POST /_sandbox/events/{account_id}/{event_id}``: someone else changes an event."""
    sandbox = sandbox_of(request)
    try:
        check_auth(sandbox, request)
    except Reply as reply:
        return reply.response
    account = request.path_params["account_id"]
    if account not in sandbox.config.accounts:
        return truto_error(404, "Integrated account not found")
    try:
        changes = await request.json()
    except ValueError:
        return truto_error(400, "The changes must be a JSON object")
    try:
        stored = sandbox.store.edit(account, request.path_params["event_id"], changes)
    except StoreError as exc:
        return truto_error(exc.status, exc.message)
    return JSONResponse(stored.event)
