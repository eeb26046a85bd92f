"""docs/csv-update.md, run as a newcomer would: its shell steps 2-7, against a real sandbox.

The ```bash blocks of steps 2 to 7 are read from the page (never copied here) and run with
``bash -e`` in a temporary directory, with the directory of ``sys.executable`` (the venv the
tests run in, which holds ``truto-frame`` and ``python``) first on ``PATH``. The only changes
made to the page's commands, all in :func:`_as_run`, :func:`_sandbox_command` and
:func:`_with_yes`:

* ``. .venv/bin/activate`` is dropped: the test already runs inside a venv.
* The sandbox runs on a free port instead of 8787: ``truto-frame sandbox`` (step 2, as written)
  gets ``--port N`` appended, and ``127.0.0.1:8787`` becomes ``127.0.0.1:N`` in the commands.
* Step 2's second block is the "second terminal": it is run before every later block, as the
  terminal would keep its variables (``TRUTO_API_BASE_URL``, ``TRUTO_API_TOKEN``, ``ACCOUNT``).
* Step 6 asks for confirmation. It is run three times, as the page describes: in a script with
  ``y`` piped in (the page says it refuses, exit 2), then in a terminal (a pseudo-terminal)
  answering ``y``, then again with ``--yes`` appended and the same journal (nothing is re-sent).

What the sandbox received is read from its admin endpoint, ``GET /_sandbox/stats``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "csv-update.md"
PAGE_HOST_PORT = "127.0.0.1:8787"
ACTIVATE = ". .venv/bin/activate"
BIN = Path(sys.executable).parent
RESULT_COLUMNS = [
    "result_status",
    "result_http_status",
    "result_error",
    "result_attempts",
    "result_response",
    "result_merged",
]
TIMEOUT = 120.0

# --------------------------------------------------------------------------- the page


def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


def _sections(markdown: str) -> dict[int, str]:
    """The text of each ``## N. Title`` section, by step number."""
    parts = re.split(r"^## (\d+)\. .*$", markdown, flags=re.M)
    return {int(number): body for number, body in zip(parts[1::2], parts[2::2], strict=True)}


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", section, flags=re.M | re.S)


@dataclass(frozen=True)
class Steps:
    """The page's shell blocks of steps 2 to 7, and the outputs it shows."""

    sandbox: str  # step 2, first terminal
    terminal: str  # step 2, second terminal: the variables every later step uses
    read: str  # step 3
    edit: str  # step 4
    dry_run: str  # step 5
    apply: str  # step 6
    check: str  # step 7
    dry_run_output: str  # step 5's ```text block
    apply_output: str  # step 6's ```text block

    @property
    def account(self) -> str:
        return _assignment(self.terminal, "ACCOUNT")

    @property
    def token(self) -> str:
        return _assignment(self.terminal, "export TRUTO_API_TOKEN")


def _assignment(block: str, name: str) -> str:
    found = re.search(rf"^{name}=(\S+)", block, flags=re.M)
    assert found is not None, f"no {name}=... in {block!r}"
    return found.group(1)


def _steps() -> Steps:
    sections = _sections(_page())
    bash = {n: _blocks(sections[n], "bash") for n in range(2, 8)}
    assert [len(bash[n]) for n in range(2, 8)] == [2, 1, 1, 1, 1, 1], bash
    text5, text6 = _blocks(sections[5], "text"), _blocks(sections[6], "text")
    assert len(text5) == 1 and len(text6) == 1
    return Steps(
        sandbox=bash[2][0],
        terminal=bash[2][1],
        read=bash[3][0],
        edit=bash[4][0],
        dry_run=bash[5][0],
        apply=bash[6][0],
        check=bash[7][0],
        dry_run_output=text5[0],
        apply_output=text6[0],
    )


# --------------------------------------------------------------------------- transformations


def _as_run(block: str, port: int) -> str:
    """The page's block, minus the venv activation line, on the sandbox's real port."""
    lines = [line for line in block.splitlines() if line.strip() != ACTIVATE]
    return "\n".join(lines).replace(PAGE_HOST_PORT, f"127.0.0.1:{port}") + "\n"


def _sandbox_command(block: str, port: int) -> str:
    """Step 2's ``truto-frame sandbox`` with ``--port``; ``exec`` so its pid is the server's."""
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 1, block
    return f"exec {lines[0].strip()} --port {port}"


def _with_yes(block: str) -> str:
    """Step 6's command (its last line ends it) with ``--yes``, as the page says for scripts."""
    return block.rstrip("\n") + " --yes\n"


# --------------------------------------------------------------------------- running


def _env() -> dict[str, str]:
    """This environment, with the venv first on PATH and nothing the page's steps set."""
    drop = {"TRUTO_API_BASE_URL", "TRUTO_API_TOKEN", "ACCOUNT"}
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.lower().endswith("_proxy")  # 127.0.0.1 only, no proxy
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Walkthrough:
    """Runs the page's blocks in one directory, as the second terminal of step 2."""

    def __init__(self, steps: Steps, cwd: Path, port: int) -> None:
        self.steps = steps
        self.cwd = cwd
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.env = _env()

    def script(self, block: str) -> str:
        return _as_run(self.steps.terminal, self.port) + _as_run(block, self.port)

    def _bash(self, block: str, **io: Any) -> Done:
        done = subprocess.run(
            ["bash", "-e", "-c", self.script(block)],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT,
            check=False,
            **io,
        )
        return Done(done.returncode, done.stdout, done.stderr)

    def run(self, block: str, *, stdin: str = "") -> Done:
        return self._bash(block, input=stdin)

    def run_in_terminal(self, block: str, answer: str) -> Done:
        """Run with a pseudo-terminal as standard input, the answer already typed."""
        import pty

        controller, terminal = pty.openpty()
        try:
            os.write(controller, answer.encode())
            return self._bash(block, stdin=terminal)
        finally:
            os.close(terminal)
            os.close(controller)

    def stats(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.steps.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, trust_env=False) as client:
            response = client.get("/_sandbox/stats")
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.cwd / name, dtype=str, keep_default_na=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def _sandbox(steps: Steps, cwd: Path, env: Mapping[str, str]) -> Iterator[tuple[int, Path]]:
    """Step 2's first terminal: ``truto-frame sandbox`` (on a free port) in its own process.

    Yields the port and the file holding what it printed on stdout.
    """
    port = _free_port()
    banner, log = cwd / "sandbox.out", cwd / "sandbox.err"
    with banner.open("w") as out, log.open("w") as err:
        process = subprocess.Popen(
            ["bash", "-e", "-c", _sandbox_command(steps.sandbox, port)],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the sandbox exited ({process.returncode}): {log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"the sandbox did not start: {log.read_text()}")
            time.sleep(0.05)
        yield port, banner
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _account_stats(stats: Mapping[str, Any], account: str) -> dict[str, int]:
    counts: dict[str, int] = stats["accounts"].get(account, {})
    return counts


def _shown_lines(block: str) -> list[str]:
    """The lines of an output the page shows, without its ``...`` elisions."""
    return [line for line in block.splitlines() if line.strip() and line.strip() != "..."]


# --------------------------------------------------------------------------- tests


def test_the_page_has_the_steps_the_walkthrough_runs() -> None:
    steps = _steps()
    assert ACTIVATE in steps.terminal.splitlines()  # the one line dropped
    assert PAGE_HOST_PORT in steps.terminal  # the port replaced
    assert steps.account == "62f44730-dd91-461e-bd6a-aedd9e0ad79d"
    assert "--dry-run" in steps.dry_run and "--yes" not in steps.apply
    assert "--journal run.jsonl" in steps.apply and "--results results.csv" in steps.apply


def test_the_csv_walkthrough_runs_as_written(tmp_path: Path) -> None:
    pytest.importorskip("uvicorn")  # the sandbox extra
    if shutil.which("bash") is None:
        pytest.skip("the page's steps are bash")
    if shutil.which("truto-frame", path=str(BIN)) is None:
        pytest.skip(f"no truto-frame script next to {sys.executable}")
    steps = _steps()
    account = steps.account

    # Step 2: the sandbox, started by the page's own command; it prints what to use.
    with _sandbox(steps, tmp_path, _env()) as (port, banner):
        page = Walkthrough(steps, tmp_path, port)
        printed = banner.read_text(encoding="utf-8")
        assert f"export TRUTO_API_BASE_URL={page.base_url}" in printed, printed
        assert f"export TRUTO_API_TOKEN={steps.token}" in printed, printed
        assert re.search(rf"^\s+{account}\s+googlecalendar$", printed, flags=re.M), printed
        assert page.stats()["requests"] == 0

        # Step 3: the baseline, one row per event, one column per field.
        done = page.run(steps.read)
        assert done.code == 0, done
        events = page.csv("events.csv")
        assert len(events) == 30
        for column in ("id", "title", "start_time", "location.name"):
            assert column in events.columns
        assert "attendees[0].person.emails[0].email" in events.columns
        after_read = page.stats()
        assert _account_stats(after_read, account)["updated"] == 0

        # Step 4: the edits, by the page's script.
        done = page.run(steps.edit)
        assert done.code == 0, done
        edits = page.csv("edits.csv")
        assert list(edits.columns) == ["id", "title", "location.name"]
        assert edits["id"].tolist() == events["id"].tolist()
        sync = events["title"] == "Weekly team sync"
        onboarding = events["title"].str.startswith("Customer onboarding")
        changed = sync | (onboarding & (events["location.name"] != "Room 4.02"))
        assert int(changed.sum()) == 8  # what the page's plan announces

        # Step 5: the dry run shows the page's plan and sends nothing.
        done = page.run(steps.dry_run)
        assert done.code == 0, done
        out_lines = done.out.splitlines()
        for line in _shown_lines(steps.dry_run_output):
            assert line in out_lines, f"{line!r} not printed\n{done}"
        assert (
            "Plan: 30 rows -> 8 to send, 0 invalid (not sent), 22 unchanged (skipped)" in done.out
        )
        assert any(line.startswith("Notifications: ") for line in out_lines), done
        assert page.stats() == after_read

        # Step 6, in a script without --yes: refused with exit 2, nothing sent.
        done = page.run(steps.apply, stdin="y\n")
        assert done.code == 2, done
        assert "refusing to send without confirmation" in done.err
        assert "--yes" in done.err
        assert not (tmp_path / "results.csv").exists()
        assert not (tmp_path / "run.jsonl").exists()
        assert page.stats() == after_read

        # Step 6 in a terminal: the question, the answer y, the page's summary.
        done = page.run_in_terminal(steps.apply, "y\n")
        assert done.code == 0, done
        # The page shows `Send 8 updates to http://127.0.0.1:8787? [y/N]`; the real question
        # also names the account, in parentheses.
        assert f"Send 8 updates to {page.base_url} ({account})? [y/N]" in done.err, done
        out_lines = done.out.splitlines()
        for line in _shown_lines(steps.apply_output):
            assert line in out_lines, f"{line!r} not printed\n{done}"
        applied = page.stats()
        counts = _account_stats(applied, account)
        assert counts["updated"] == 8 and counts["replayed"] == 0 and counts["faults"] == 0
        # One GET and one PATCH per update: Google re-sends the baseline's times, so each
        # event is read again just before writing (no lost updates, docs/concurrent-edits.md).
        assert applied["requests"] == after_read["requests"] + 16
        results = page.csv("results.csv")
        assert list(results.columns) == [*edits.columns, *RESULT_COLUMNS]
        pd.testing.assert_frame_equal(results[list(edits.columns)], edits)  # same rows, order
        assert results["result_status"].value_counts().to_dict() == {"updated": 8, "skipped": 22}
        assert results["result_status"].eq("updated").tolist() == changed.tolist()
        assert set(results.loc[changed, "result_http_status"]) == {"200"}

        # Step 6 again, same journal (in a script, so with --yes): nothing is sent twice.
        done = page.run(_with_yes(steps.apply))
        assert done.code == 0, done
        assert "8 updated, 22 skipped (of 30 rows)" in done.out.splitlines(), done
        assert page.stats() == applied
        again = page.csv("results.csv")
        assert again["result_status"].tolist() == results["result_status"].tolist()

        # Step 7: the events as they are now.
        done = page.run(steps.check)
        assert done.code == 0, done
        after = page.csv("after.csv")

    assert after["id"].tolist() == events["id"].tolist()
    expected_titles = events["title"].where(~sync, "Weekly team standup")
    assert after["title"].tolist() == expected_titles.tolist()
    assert "Weekly team sync" not in set(after["title"])
    expected_rooms = events["location.name"].where(~onboarding, "Room 4.02")
    assert after["location.name"].tolist() == expected_rooms.tolist()
    # Nothing else changed (``location`` was null where the room is new; the update time moves).
    differ = {c for c in events.columns if not events[c].equals(after[c])}
    assert differ <= {"title", "location", "location.name", "updated_at"}, differ
