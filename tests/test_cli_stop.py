"""The command line under stress: no argument value in a usage error, the token from a file or
stdin, SIGTERM like Ctrl-C (results file with every row, a resume line), a closed pipe."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import truto_frame
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID, SandboxConfig, create_app
from truto_frame.sandbox.server import running_server_process
from truto_frame.ui.arguments import redact_usage
from truto_frame.ui.cli import main

SECRET = "tok-3f9a-very-secret"
SANDBOX_TOKEN = "sandbox-token"

# Every way a value can reach argparse's messages: the token pasted as a stray argument, a
# misspelled or abbreviated --token=..., a wrong choice, a bad number, a bad budget.
BAD_ARGV = [
    ["update-events", "a.csv", "--integrated-account-id", "X", SECRET],
    ["update-events", "a.csv", f"--tokn={SECRET}"],
    ["update-events", "a.csv", "--tokn", SECRET],
    ["update-events", "a.csv", f"--to={SECRET}"],
    ["update-events", "a.csv", f"--token-lim={SECRET}"],
    ["update-events", "a.csv", "--send-notifications", SECRET],
    ["update-events", "a.csv", "--concurrency", SECRET],
    ["update-events", "a.csv", "--account-limit", SECRET],
    ["update-events", "a.csv", f"--response-format={SECRET}"],
    ["update-events", "a.csv", "--token", SECRET, "--token-file", "t.txt"],
    ["read-events", SECRET],
    ["read-events", f"--page-size={SECRET}"],
    [SECRET],
    ["sandbox", "--port", SECRET],
    ["update-events", f"--{SECRET}"[:7], SECRET],
    [
        "update-events",
        "a.csv",
        "--integrated-account-id",
        "X",
        "--dry-run",
        "--remote-query",
        SECRET,
    ],
    ["read-events", "--integrated-account-id", "X", "--remote-query", SECRET],
    ["update-events", SECRET, "--integrated-account-id", "X", "--dry-run"],
    ["update-events", "a.csv", "--integrated-account-id", "X", "--yes", "--token-file", SECRET],
]


@pytest.mark.parametrize("argv", BAD_ARGV, ids=lambda a: " ".join(a).replace(SECRET, "T"))
def test_no_usage_error_repeats_an_argument_value(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A real file and a token: the mistakes are found where they are, not masked earlier.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRUTO_API_TOKEN", "another-token")
    (tmp_path / "a.csv").write_text("id,calendar.id,title\ne1,c1,T\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("another-token\n", encoding="utf-8")
    assert main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert SECRET not in err and SECRET not in out
    assert "3f9a" not in err  # not even a part of it


@pytest.mark.parametrize(
    ("message", "argv", "expected"),
    [
        (
            "unrecognized arguments: --tokn=abcdef abcdef",
            ["a.csv", "--tokn=abcdef", "abcdef"],
            "unrecognized arguments: --tokn=<value> <value>",
        ),
        (
            "argument --send-notifications: invalid choice: 'abcdef' (choose from 'all', 'none')",
            ["--send-notifications", "abcdef"],
            "argument --send-notifications: invalid choice (choose from 'all', 'none')",
        ),
        (
            "argument --concurrency: invalid int value: 'abcdef'",
            ["--concurrency", "abcdef"],
            "argument --concurrency: invalid int value",
        ),
        (
            "ambiguous option: --to=abcdef could match --token, --token-limit",
            ["--to=abcdef"],
            "ambiguous option: --to=<value> could match --token, --token-limit",
        ),
        (  # a message of a future argparse that quotes the value in its own way
            "argument FILE: no such thing as abcdef here",
            ["abcdef"],
            "argument FILE: no such thing as <value> here",
        ),
        (
            "the following arguments are required: FILE.csv",
            [],
            "the following arguments are required: FILE.csv",
        ),
    ],
)
def test_usage_messages_keep_names_and_drop_values(
    message: str, argv: list[str], expected: str
) -> None:
    assert redact_usage(message, argv) == expected


# --------------------------------------------------------------------------- the token


def _edits(app_or_rows: list[tuple[str, str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "calendar.id", "title"])
        for n, (event_id, calendar) in enumerate(app_or_rows):
            writer.writerow([event_id, calendar, f"Renamed {n}"])
    return path


def _rows(n: int, token: str = SECRET) -> tuple[httpx.ASGITransport, list[tuple[str, str]]]:
    app = create_app(SandboxConfig(token=token))
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[:n]
    rows = [(i, sandbox.get_event(OUTLOOK_ACCOUNT_ID, i)["calendar"]["id"]) for i in ids]
    return httpx.ASGITransport(app=app), rows


def test_the_token_from_a_file_or_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TRUTO_API_TOKEN", raising=False)
    transport, rows = _rows(2)
    edits = _edits(rows, tmp_path / "edits.csv")
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"{SECRET}\n", encoding="utf-8")
    base = ["update-events", str(edits), "--integrated-account-id", OUTLOOK_ACCOUNT_ID]
    base += ["--base-url", "http://sandbox.test", "--yes", "--no-progress"]
    assert main([*base, "--token-file", str(token_file)], transport=transport) == 0
    monkeypatch.setattr(sys, "stdin", _Stdin(f"{SECRET}\n"))
    assert main([*base, "--token-file", "-"], transport=transport) == 0
    out, err = capsys.readouterr()
    assert "2 updated" in out and SECRET not in out + err
    # A wrong token in the file is refused by the server: the token file is what was used.
    token_file.write_text("wrong\n", encoding="utf-8")
    assert main([*base, "--token-file", str(token_file)], transport=transport) == 1


class _Stdin:
    def __init__(self, text: str) -> None:
        self.text = text

    def readline(self) -> str:
        line, _, self.text = self.text.partition("\n")
        return line + "\n"

    def isatty(self) -> bool:
        return False


# --------------------------------------------------------------------------- real processes


def _env(tmp_path: Path, base: str) -> dict[str, str]:
    env = {**os.environ, "TRUTO_API_TOKEN": SANDBOX_TOKEN, "TRUTO_API_BASE_URL": base}
    env["PYTHONPATH"] = str(Path(truto_frame.__file__).parents[1])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _sandbox_rows(base: str, n: int) -> list[tuple[str, str]]:
    frame = truto_frame.read_events(
        OUTLOOK_ACCOUNT_ID,
        token=SANDBOX_TOKEN,
        base_url=base,
        start_time="2000-01-01",
        end_time="2100-01-01",
    ).head(n)
    return list(zip(frame["id"], frame["calendar.id"], strict=True))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_writes_every_row_and_says_how_to_resume(tmp_path: Path) -> None:
    rows = 10
    with running_server_process(["--latency", "0.3"]) as base:
        edits = _edits(_sandbox_rows(base, rows), tmp_path / "edits.csv")
        results = tmp_path / "results.csv"
        command = [sys.executable, "-m", "truto_frame", "update-events", str(edits)]
        command += ["--integrated-account-id", OUTLOOK_ACCOUNT_ID, "--yes", "--no-progress"]
        command += ["--concurrency", "1", "--results", str(results)]
        process = subprocess.Popen(
            command,
            env=_env(tmp_path, base),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        journal = tmp_path / "edits.journal.jsonl"
        deadline = time.monotonic() + 60
        while not _sent(base) and process.poll() is None:  # mid-run, not before it
            assert time.monotonic() < deadline, "no PATCH arrived"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 143, err

        with results.open(encoding="utf-8") as handle:
            written = list(csv.DictReader(handle))
        assert len(written) == rows
        statuses = [row["result_status"] for row in written]
        assert "cancelled" in statuses and "updated" in statuses
        assert set(statuses) <= {"updated", "cancelled", "failed"}
        resume = [line for line in err.splitlines() if "--journal" in line]
        assert len(resume) == 1 and str(journal) in resume[0]
        assert "Traceback" not in err

        # The line's advice works: the same command with --journal sends only the rest.
        sent_before = _sent(base)
        again = subprocess.run(
            [*command, "--journal", str(journal)],
            env=_env(tmp_path, base),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        assert _sent(base) - sent_before == statuses.count("cancelled") + statuses.count("failed")


def _sent(base: str) -> int:
    """PATCHes the sandbox process has applied to the account."""
    headers = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    stats = httpx.get(f"{base}/_sandbox/stats", headers=headers).json()
    return int(stats["accounts"].get(OUTLOOK_ACCOUNT_ID, {}).get("updated", 0))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_dry_run_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    _transport, rows = _rows(40)
    edits = _edits(rows, tmp_path / "edits.csv")
    command = [sys.executable, "-m", "truto_frame", "update-events", str(edits)]
    command += ["--integrated-account-id", OUTLOOK_ACCOUNT_ID, "--dry-run"]
    env = {**os.environ, "PYTHONPATH": str(Path(truto_frame.__file__).parents[1])}
    # `| head -0`: the reader is gone before the first line (the import alone takes longer).
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    with process.stderr:
        err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert process.returncode in (0, 141)
