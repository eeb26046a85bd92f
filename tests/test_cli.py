"""The ``truto-frame`` command line, called in process: exit codes, output, files, the sandbox."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import pandas as pd
import pytest
from conftest import patches

from truto_frame.sandbox import (
    GOOGLECALENDAR_ACCOUNT_ID,
    OUTLOOK_ACCOUNT_ID,
    SandboxConfig,
    create_app,
    running_server,
)
from truto_frame.ui.cli import main
from truto_frame.ui.text import read_csv_text

SECRET = "tok-3f9a-very-secret"
ACCOUNT = OUTLOOK_ACCOUNT_ID


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app(SandboxConfig(token=SECRET))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, app) -> httpx.ASGITransport:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUTO_API_TOKEN", SECRET)
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://sandbox.test")
    return httpx.ASGITransport(app=app)


class _Terminal(io.StringIO):
    """A standard input that is a terminal, holding the user's answer."""

    def isatty(self) -> bool:
        return True


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _events(app, n: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(ACCOUNT)[:n]
    return [(i, sandbox.get_event(ACCOUNT, i)["calendar"]["id"]) for i in ids]


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text


def _one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# --------------------------------------------------------------------------- update-events


def test_update_over_http_writes_one_result_row_per_input_row(
    app, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUTO_API_TOKEN", SECRET)
    (a, cal_a), (b, cal_b), (c, cal_c) = _events(app, 3)
    source = _write(
        tmp_path / "edits.csv",
        [
            {"id": a, "calendar.id": cal_a, "title": "None", "notes": "keep me"},
            {"id": "AAMkAD/no+such=event", "calendar.id": cal_a, "title": "Ghost", "notes": ""},
            {"id": b, "calendar.id": cal_b, "title": "", "status": "postponed", "notes": "x"},
            {"id": c, "calendar.id": cal_c, "title": "Retro", "notes": ""},
        ],
    )
    out = tmp_path / "results.csv"
    with running_server(app=app) as url:
        code = main(
            [
                "update-events",
                str(source),
                "--integrated-account-id",
                ACCOUNT,
                "--base-url",
                url,
                "--yes",
                "--results",
                str(out),
                "--no-progress",
            ]
        )
    captured = capsys.readouterr()
    assert code == 1  # one row failed (404) and one is invalid
    results = read_csv_text(str(out))
    original = read_csv_text(str(source))
    assert len(results) == len(original)
    assert results["id"].tolist() == original["id"].tolist()
    assert results["notes"].tolist() == original["notes"].tolist()
    assert results["result_status"].tolist() == ["updated", "failed", "invalid", "updated"]
    assert results.loc[3, "result_http_status"] == "404"
    assert pd.isna(results.loc[4, "result_http_status"])
    assert "status" in results.loc[4, "result_error"]
    assert results.loc[4, "result_attempts"] == "0"
    response = json.loads(results.loc[2, "result_response"])
    assert response["title"] == "None"  # the text "None" is a title, not a missing value
    assert app.state.sandbox.get_event(ACCOUNT, a)["title"] == "None"
    assert "2 updated, 1 failed, 1 invalid (of 4 rows)" in captured.out
    _no_secret(captured.out, captured.err, out.read_text())


def test_all_rows_updated_exits_zero(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, cal_b) = _events(app, 2)
    source = _write(
        tmp_path / "ok.csv",
        [
            {"id": a, "calendar.id": cal_a, "title": "Board review"},
            {"id": b, "calendar.id": cal_b, "title": "Sprint demo"},
        ],
    )
    code = main(
        ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"], transport=env
    )
    assert code == 0
    assert len(patches(app)) == 2
    assert "2 updated (of 2 rows)" in capsys.readouterr().out


def test_null_and_json_cells(app, env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, cal_b) = _events(app, 2)
    attendees = [
        {"person": {"name": "Ana", "emails": [{"email": "ana@example.com"}]}, "is_optional": True}
    ]
    before_b = app.state.sandbox.get_event(ACCOUNT, b)
    source = _write(
        tmp_path / "cells.csv",
        [
            {
                "id": a,
                "calendar.id": cal_a,
                "description": "<NULL>",
                "attendees": json.dumps(attendees),
                "location": "",
            },
            {
                "id": b,
                "calendar.id": cal_b,
                "description": "",
                "attendees": "",
                "location": json.dumps({"name": "Room 7", "address": {"city": "Porto"}}),
            },
        ],
    )
    code = main(
        ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"], transport=env
    )
    assert code == 0
    bodies = {r.event_id: r.body for r in patches(app)}
    assert bodies[a]["description"] is None  # <NULL> clears
    assert bodies[a]["attendees"] == attendees  # JSON text is the whole list
    assert "location" not in bodies[a]  # empty: unchanged
    assert "description" not in bodies[b] and "attendees" not in bodies[b]
    assert bodies[b]["location"] == {"name": "Room 7", "address": {"city": "Porto"}}
    after_a = app.state.sandbox.get_event(ACCOUNT, a)
    assert after_a["description"] is None
    assert [x["person"]["emails"][0]["email"] for x in after_a["attendees"]] == ["ana@example.com"]
    assert app.state.sandbox.get_event(ACCOUNT, b)["description"] == before_b["description"]


def test_dry_run_sends_nothing(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, _) = _events(app, 2)
    source = _write(
        tmp_path / "dry.csv",
        [
            {"id": a, "calendar.id": cal_a, "title": "Planned", "tittle": "typo"},
            {"id": b, "calendar.id": "", "title": "No calendar"},
        ],
    )
    code = main(
        ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"],
        transport=env,
    )
    out = capsys.readouterr().out
    assert code == 1  # a dry run is a check: an invalid row makes it fail
    assert app.state.sandbox.requests == []
    assert "1 to send, 1 invalid" in out
    assert "tittle" in out and "did you mean 'title'" in out
    assert "row 3" in out and "calendar" in out  # spreadsheet numbering: header is row 1
    assert 'title = "Planned"' in out
    assert "Dry run: nothing was sent." in out


def test_plan_says_who_may_be_emailed(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _events(app, 1)
    people = [{"person": {"emails": [{"email": f"p{i}@example.com"}]}} for i in range(3)]
    row = {"id": a, "calendar.id": cal_a, "attendees": json.dumps(people)}
    source = _write(tmp_path / "mail.csv", [row])
    base = ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"]
    assert main(base, transport=env) == 0
    out = capsys.readouterr().out
    assert "Notifications: send_notifications not set" in out
    assert "up to 3 attendees on 1 event could be emailed" in out
    assert "--send-notifications none" in out
    assert main([*base, "--send-notifications", "none"], transport=env) == 0
    out = capsys.readouterr().out
    assert "send_notifications=none: no attendee is emailed (3 attendees on 1 event)" in out


def test_dry_run_needs_no_token(app, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TRUTO_API_TOKEN", raising=False)
    ((a, cal_a),) = _events(app, 1)
    source = _write(tmp_path / "dry.csv", [{"id": a, "calendar.id": cal_a, "title": "T"}])
    code = main(["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"])
    assert code == 0
    assert "1 to send" in capsys.readouterr().out


def test_baseline_from_read_events_sends_only_the_change(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    events_csv = tmp_path / "events.csv"
    code = main(
        ["read-events", "--integrated-account-id", ACCOUNT, "-o", str(events_csv)], transport=env
    )
    assert code == 0
    events = read_csv_text(str(events_csv))
    assert len(events) == 30
    edited = events.copy()
    edited.loc[edited.index[0], "title"] = "Only this changes"
    edits_csv = tmp_path / "edits.csv"
    edited.to_csv(edits_csv, index=False)
    app.state.sandbox.requests.clear()
    code = main(
        [
            "update-events",
            str(edits_csv),
            "--integrated-account-id",
            ACCOUNT,
            "--baseline",
            str(events_csv),
            "--integration",
            "outlookcalendar",
            "--yes",
        ],
        transport=env,
    )
    out = capsys.readouterr().out
    assert code == 0
    sent = patches(app)
    assert len(sent) == 1
    assert sent[0].body["title"] == "Only this changes"
    assert set(sent[0].body) == {"title", "calendar"}  # calendar: required on every update
    assert "1 updated, 29 skipped (of 30 rows)" in out


def test_journal_resumes_without_sending_again(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, cal_b) = _events(app, 2)
    source = _write(
        tmp_path / "j.csv",
        [
            {"id": a, "calendar.id": cal_a, "title": "J1"},
            {"id": b, "calendar.id": cal_b, "title": "J2"},
        ],
    )
    journal = tmp_path / "run.jsonl"
    argv = ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"]
    assert main([*argv, "--journal", str(journal)], transport=env) == 0
    assert len(patches(app)) == 2
    results = tmp_path / "again.csv"
    assert main([*argv, "--journal", str(journal), "--results", str(results)], transport=env) == 0
    assert len(patches(app)) == 2  # nothing sent the second time
    again = read_csv_text(str(results))
    assert again["result_status"].tolist() == ["updated", "updated"]
    assert again["result_attempts"].tolist() == ["0", "0"]


def test_no_terminal_and_no_yes_refuses(app, env, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _events(app, 1)
    source = _write(tmp_path / "e.csv", [{"id": a, "calendar.id": cal_a, "title": "T"}])
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # piped, not a terminal
    code = main(["update-events", str(source), "--integrated-account-id", ACCOUNT], transport=env)
    captured = capsys.readouterr()
    assert code == 2
    _one_line_error(captured.err, "--yes", "not a terminal")
    assert app.state.sandbox.requests == []


@pytest.mark.parametrize(("answer", "code", "sent"), [("y\n", 0, 1), ("n\n", 1, 0), ("\n", 1, 0)])
def test_terminal_confirmation(app, env, tmp_path, monkeypatch, capsys, answer, code, sent) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _events(app, 1)
    source = _write(tmp_path / "e.csv", [{"id": a, "calendar.id": cal_a, "title": "T"}])
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    result = main(["update-events", str(source), "--integrated-account-id", ACCOUNT], transport=env)
    captured = capsys.readouterr()
    assert result == code
    assert len(patches(app)) == sent
    assert f"Send 1 update to http://sandbox.test ({ACCOUNT})? [y/N]" in captured.err
    _no_secret(captured.out, captured.err)


# --------------------------------------------------------------------------- user mistakes


def test_missing_file(env, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["update-events", "nope/edits.csv", "--integrated-account-id", ACCOUNT, "--yes"])
    assert code == 2
    _one_line_error(capsys.readouterr().err, "no such file", "nope/edits.csv")


def test_missing_id_column(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = _write(tmp_path / "noid.csv", [{"event_id": "x", "title": "T"}])
    code = main(
        ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"], transport=env
    )
    assert code == 2
    _one_line_error(capsys.readouterr().err, "'id' column")
    assert app.state.sandbox.requests == []


def test_missing_token(app, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TRUTO_API_TOKEN", raising=False)
    ((a, cal_a),) = _events(app, 1)
    source = _write(tmp_path / "e.csv", [{"id": a, "calendar.id": cal_a, "title": "T"}])
    code = main(["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"])
    assert code == 2
    _one_line_error(capsys.readouterr().err, "TRUTO_API_TOKEN", "--token")


def test_no_account_anywhere(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _events(app, 1)
    source = _write(tmp_path / "e.csv", [{"id": a, "calendar.id": cal_a, "title": "T"}])
    assert main(["update-events", str(source), "--yes"], transport=env) == 2
    _one_line_error(capsys.readouterr().err, "--integrated-account-id")
    with_column = _write(
        tmp_path / "c.csv",
        [{"id": a, "integrated_account_id": ACCOUNT, "calendar.id": cal_a, "title": "T"}],
    )
    assert main(["update-events", str(with_column), "--yes"], transport=env) == 0
    assert len(patches(app)) == 1


def test_unknown_option(capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["update-events", "x.csv", "--colour", "blue"])
    assert code == 2
    err = capsys.readouterr().err
    # Named, not repeated: a value on the command line may be the token (test_cli_stop.py).
    _one_line_error(err, "unrecognized arguments: --colour <value>")
    assert "blue" not in err


def test_unknown_command_and_bad_number(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["frobnicate"]) == 2
    _one_line_error(capsys.readouterr().err, "invalid choice")
    assert main(["update-events", "x.csv", "--concurrency", "many"]) == 2
    _one_line_error(capsys.readouterr().err, "--concurrency")


def test_unreadable_csv(tmp_path, env, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,title\n\xff\xfe\x00bad,\x81\n")
    assert main(["update-events", str(bad), "--integrated-account-id", ACCOUNT, "--yes"]) == 2
    _one_line_error(capsys.readouterr().err, "cannot read the CSV file")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["update-events", str(empty), "--integrated-account-id", ACCOUNT, "--yes"]) == 2
    _one_line_error(capsys.readouterr().err, "cannot read the CSV file")


def test_help_and_version(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["--help"]) == 0
    assert "update-events" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "truto-frame" in capsys.readouterr().out
    assert main([]) == 2


# --------------------------------------------------------------------------- read-events, sandbox


def test_read_events_csv_has_json_and_null_cells(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "events.csv"
    code = main(
        [
            "read-events",
            "--integrated-account-id",
            GOOGLECALENDAR_ACCOUNT_ID,
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
            "--page-size",
            "8",
            "-o",
            str(out),
        ],
        transport=env,
    )
    assert code == 0
    assert "30 events written" in capsys.readouterr().err
    text = read_csv_text(str(out))
    assert "remote_data" not in text.columns  # left out unless --with-remote-data
    assert (text["recurrence"] == "<NULL>").any()
    master = text[text["recurrence[0]"].notna()]
    assert master["recurrence[0]"].iloc[0].startswith("RRULE:")
    # Times are written as the API gave them: in the event's own zone, dates for all-day ones.
    pattern = r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z))?$"
    assert text["start_time"].str.match(pattern).all()
    assert not text["start_time"].str.endswith("+00:00").all()
    gets = [r for r in app.state.sandbox.requests if r.method == "GET"]
    assert len(gets) == 4 and dict(gets[0].query)["truto_ignore_remote_data"] == "true"


def test_read_events_to_stdout_and_refused_read(app, env, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert main(["read-events", "--integrated-account-id", ACCOUNT], transport=env) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert len(frame) == 30
    monkeypatch.setenv("TRUTO_API_TOKEN", "wrong-token")
    assert main(["read-events", "--integrated-account-id", ACCOUNT], transport=env) == 1
    _one_line_error(capsys.readouterr().err, "401")
    assert main(["read-events"], transport=env) == 2
    _one_line_error(capsys.readouterr().err, "--integrated-account-id")


def test_sandbox_command_prints_what_to_use(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    served = {}

    def fake_serve(host, port, config, *, log_level="info"):  # type: ignore[no-untyped-def]
        served.update(host=host, port=port, config=config)

    monkeypatch.setattr("truto_frame.ui.cli.serve", fake_serve)
    code = main(["sandbox", "--port", "9911", "--error-rate", "0.1", "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert served["port"] == 9911 and served["config"].faults.error_rate == 0.1
    assert "export TRUTO_API_BASE_URL=http://127.0.0.1:9911" in out
    assert "export TRUTO_API_TOKEN=sandbox-token" in out
    assert f"{GOOGLECALENDAR_ACCOUNT_ID}  googlecalendar" in out
    assert "read-only" in out and "blocked" in out
    assert main(["sandbox", "--error-rate", "2"]) == 2
    _one_line_error(capsys.readouterr().err, "fault rates")


# --------------------------------------------------------------------------- rendering


def test_remote_text_cannot_drive_the_terminal(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _events(app, 1)
    source = _write(
        tmp_path / "esc.csv",
        [{"id": a, "calendar.id": cal_a, "title": "\x1b[2J\x1b[31mred\x07"}],
    )
    code = main(
        ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"],
        transport=env,
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\u001b[2J" in out  # shown escaped, as JSON text


def test_results_table_lists_failures_first_and_counts_skipped() -> None:
    from truto_frame.engine.results import RowResult, results_frame
    from truto_frame.ui.text import format_results, summary_line

    index = pd.RangeIndex(2, 6)
    results = results_frame(
        index,
        [
            RowResult("updated", 200, None, 1),
            RowResult("skipped"),
            RowResult("failed", 404, "404 Not Found: gone", 1),
            RowResult("invalid", None, "status: bad", 0),
        ],
    )
    ids = pd.Series(["a", "b", "c", "d"], index=index)
    lines = format_results(results, ids).splitlines()
    assert lines[0].split() == ["row", "id", "status", "http", "tries", "error"]
    assert [line.split()[2] for line in lines[1:4]] == ["failed", "invalid", "updated"]
    assert lines[-1] == "(1 unchanged rows skipped, not listed)"
    assert summary_line(results) == "1 updated, 1 skipped, 1 failed, 1 invalid (of 4 rows)"


# --------------------------------------------------------------------------- pacing options


@pytest.mark.parametrize(
    ("options", "per_account", "per_token"),
    [
        ([], (50, 10.0), (500, 10.0)),  # Truto's documented limits
        (["--account-limit", "3/1"], (3, 1.0), (500, 10.0)),
        (["--account-limit", "none", "--token-limit", "120/60"], None, (120, 60.0)),
    ],
)
def test_limits_reach_the_engine(
    options, per_account, per_token, app, env, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from truto_frame.planning.plan import EventUpdatePlan

    seen = []
    original = EventUpdatePlan.apply

    def spy(self, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["limits"])
        return original(self, **kwargs)

    monkeypatch.setattr(EventUpdatePlan, "apply", spy)
    rows = [{"id": i, "calendar.id": c, "title": "Paced"} for i, c in _events(app, 2)]
    source = _write(tmp_path / "paced.csv", rows)
    args = ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--yes"]
    assert main([*args, *options], transport=env) == 0
    [limits] = seen
    assert (limits.per_account, limits.per_token) == (per_account, per_token)
    assert app.state.sandbox.counts(ACCOUNT)["updated"] == 2


@pytest.mark.parametrize("value", ["50", "x/10", "0/10", "5/0", "5/-1"])
def test_a_bad_limit_is_a_one_line_usage_error(value: str, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = _write(tmp_path / "x.csv", [{"id": "e", "calendar.id": "c", "title": "T"}])
    args = ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"]
    assert main([*args, "--token-limit", value], transport=env) == 2
    _one_line_error(capsys.readouterr().err, "--token-limit", "LIMIT/SECONDS")


def test_update_events_checks_the_accounts_before_asking(
    env, app, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from truto_frame.sandbox import NEEDS_REAUTH_ACCOUNT_ID

    sandbox = app.state.sandbox
    rows = []
    for account in (NEEDS_REAUTH_ACCOUNT_ID, ACCOUNT):
        for event_id in sandbox.event_ids(account)[:2]:
            event = sandbox.get_event(account, event_id)
            rows.append(
                {
                    "id": event_id,
                    "integrated_account_id": account,
                    "calendar.id": event["calendar"]["id"],
                    "start_time": event["start_time"],
                    "end_time": event["end_time"],
                    "timezone": event["timezone"],
                    "title": "Checked first",
                }
            )
    source = _write(tmp_path / "edits.csv", rows)
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    results = tmp_path / "results.csv"
    code = main(["update-events", str(source), "--results", str(results)], transport=env)
    captured = capsys.readouterr()
    assert code == 1
    out = captured.out
    assert "Checked with Truto:" in out
    assert f"{NEEDS_REAUTH_ACCOUNT_ID}: googlecalendar, needs_reauth: refused" in out
    assert "2 rows not sent" in out and "reconnect the account in Truto" in out
    # The question counts only the rows that will be sent.
    assert "Send 2 updates" in captured.err
    assert [r.account_id for r in patches(app)] == [ACCOUNT, ACCOUNT]
    written = read_csv_text(str(results))
    assert written["result_status"].tolist() == ["cancelled", "cancelled", "updated", "updated"]
    _no_secret(out, captured.err)


def test_a_read_events_file_without_baseline_is_refused_naming_it(
    app, env, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    events_csv = tmp_path / "events.csv"
    argv = ["read-events", "--integrated-account-id", ACCOUNT, "-o", str(events_csv)]
    assert main(argv, transport=env) == 0
    capsys.readouterr()
    app.state.sandbox.requests.clear()
    code = main(
        ["update-events", str(events_csv), "--integrated-account-id", ACCOUNT, "--yes"],
        transport=env,
    )
    err = capsys.readouterr().err
    assert code != 0
    _one_line_error(err, "read-only columns", "--baseline FILE")
    assert [r for r in app.state.sandbox.requests if r.method == "PATCH"] == []  # not 30 PATCHes
