"""``truto-frame demo``: the main job end to end on the embedded sandbox, no network."""

from __future__ import annotations

import socket
import subprocess
import sys

from truto_frame.read import read_events
from truto_frame.sandbox import DEFAULT_TOKEN, GOOGLECALENDAR_ACCOUNT_ID, create_app
from truto_frame.ui.cli import main
from truto_frame.ui.demo import build_demo_edit


def test_demo_exits_zero_and_reports_the_updates(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    def no_network(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the demo opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "Plan: 6 rows -> 5 to send, 1 invalid" in out
    # The deliberately invalid row, explained: the value and what to write instead.
    assert "status: 'postponed' is not allowed: use 'confirmed'" in out
    assert "Room 4.02 (Atlas)" in out
    assert "added Noor Haddad <noor.haddad@example.com>" in out
    assert "5 of 5 updated events hold their new values" in out
    assert "Summary: 5 updated, 1 invalid (of 6 rows)." in out


def test_the_demo_edit_touches_six_rows_as_announced() -> None:
    import httpx

    events = read_events(
        GOOGLECALENDAR_ACCOUNT_ID,
        token=DEFAULT_TOKEN,
        base_url="http://sandbox.test",
        transport=httpx.ASGITransport(app=create_app()),
    )
    edit = build_demo_edit(events)
    assert len(edit) == 6
    assert edit.index.isin(events.index).all()
    assert edit["title"].str.endswith("(agenda updated)").sum() == 2
    assert (edit["location.name"] == "Room 4.02 (Atlas)").sum() == 2
    assert edit["status"].tolist().count("postponed") == 1


def test_python_dash_m_demo_runs_as_a_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "truto_frame", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "5 updated, 1 invalid" in done.stdout
