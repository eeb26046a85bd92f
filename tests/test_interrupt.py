"""Stopping the way Python programs stop: Ctrl-C out of apply(), results complete, resumable.

In process: a transport presses Ctrl-C (SIGINT to the main thread, as a terminal does) while the
first PATCH is on the wire. In a subprocess: a script against a real sandbox process, stopped
with SIGINT. The preview widget follows a plan applied in code.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from conftest import patches

import truto_frame
from truto_frame.errors import ApplyInterrupted
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID, SandboxConfig, create_app
from truto_frame.sandbox.server import running_server_process

TOKEN = "sandbox-token"
BASE = "http://sandbox"
ROWS = 6


def _ctrl_c_when_waiting(main_thread: int) -> None:
    """SIGINT to the main thread once it waits in run_sync, as a user's Ctrl-C would."""
    while True:
        frame = sys._current_frames().get(main_thread)
        names = set()
        while frame is not None:
            names.add(frame.f_code.co_name)
            frame = frame.f_back
        if "run_sync" in names and "wait" in names:
            break
    signal.pthread_kill(main_thread, signal.SIGINT)


class CtrlCTransport(httpx.AsyncBaseTransport):
    """The sandbox in process; the first PATCH presses Ctrl-C and returns once it took hold."""

    def __init__(self, app: Any, *, press_on: int = 1) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.patches = 0
        self.press_on = press_on
        self.main_thread = threading.main_thread().ident

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            self.patches += 1
            if self.patches == self.press_on:
                assert self.main_thread is not None
                _ctrl_c_when_waiting(self.main_thread)
                # The run's task is cancelled from the main thread; let the stop reach the
                # engine before this request (on the wire) answers.
                while not any(task.cancelling() for task in asyncio.all_tasks()):
                    await asyncio.sleep(0)
                for _ in range(20):
                    await asyncio.sleep(0)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def app() -> Any:
    return create_app(SandboxConfig())


def _renamed(app: Any) -> pd.DataFrame:
    sandbox = app.state.sandbox
    ids = sandbox.event_ids(OUTLOOK_ACCOUNT_ID)[:ROWS]
    calendars = [sandbox.get_event(OUTLOOK_ACCOUNT_ID, i)["calendar"]["id"] for i in ids]
    return pd.DataFrame(
        {
            "id": ids,
            "calendar.id": calendars,
            "title": [f"Renamed {n}" for n in range(ROWS)],
        },
        index=pd.Index([f"r{n}" for n in range(ROWS)], name="row"),
    )


def _plan(app: Any) -> truto_frame.EventUpdatePlan:
    return _renamed(app).truto.update_events(
        integrated_account_id=OUTLOOK_ACCOUNT_ID, token=TOKEN, base_url=BASE, concurrency=1
    )


def test_ctrl_c_raises_out_of_apply_with_every_row_and_the_journal_written(
    app: Any, tmp_path: Path
) -> None:
    plan = _plan(app)
    journal = tmp_path / "run.jsonl"
    transport = CtrlCTransport(app)
    with pytest.raises(KeyboardInterrupt) as caught:
        plan.apply(transport=transport, journal=str(journal), progress=False)
    stop = caught.value
    assert isinstance(stop, ApplyInterrupted)
    # The request on the wire settled and kept its result; nothing else was sent.
    assert plan.results is not None and stop.results is plan.results
    assert plan.results.index.equals(_renamed(app).index)
    assert plan.results["status"].tolist() == ["updated"] + ["cancelled"] * (ROWS - 1)
    assert len(patches(app)) == 1
    message = str(stop)
    assert "1 updated" in message and f"{ROWS - 1} cancelled" in message
    assert "plan.retry_failed()" in message and str(journal) in message
    assert TOKEN not in message
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert [(e["event_id"], e["ok"]) for e in lines] == [(plan.event_ids.iloc[0], True)]

    # Resuming sends only the rest; the results add up to one success per row.
    results = plan.retry_failed(transport=httpx.ASGITransport(app=app), progress=False)
    assert results["status"].tolist() == ["updated"] * ROWS
    assert len(patches(app)) == ROWS


def test_ctrl_c_inside_an_on_result_callback_stops_the_same_way(app: Any, tmp_path: Path) -> None:
    plan = _plan(app)
    journal = tmp_path / "run.jsonl"
    landed: list[Any] = []

    def on_result(label: Any, result: Any) -> None:
        landed.append(label)
        if len(landed) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the callback ran

    with pytest.raises(ApplyInterrupted) as caught:
        plan.apply(
            transport=httpx.ASGITransport(app=app),
            journal=str(journal),
            on_result=on_result,
            progress=False,
        )
    assert plan.results is not None and caught.value.results is plan.results
    assert plan.results["status"].tolist() == ["updated"] * 2 + ["cancelled"] * (ROWS - 2)
    assert len(journal.read_text().splitlines()) == 2
    assert len(patches(app)) == 2


def test_ctrl_c_during_retry_failed_keeps_the_merged_results(app: Any) -> None:
    plan = _plan(app)
    with pytest.raises(ApplyInterrupted):
        plan.apply(transport=CtrlCTransport(app), progress=False)
    with pytest.raises(ApplyInterrupted) as caught:
        plan.retry_failed(transport=CtrlCTransport(app, press_on=2), progress=False)
    assert plan.results is not None and caught.value.results is plan.results
    # First run: row 0; the retry: rows 1 and 2 (on the wire when stopped), then nothing.
    assert plan.results["status"].tolist() == ["updated"] * 3 + ["cancelled"] * (ROWS - 3)
    assert "plan.retry_failed()" in str(caught.value)
    assert len(patches(app)) == 3


def test_a_cancelled_apply_async_raises_cancelled_error_and_keeps_results(app: Any) -> None:
    plan = _plan(app)
    entered = asyncio.Event()
    release = asyncio.Event()

    class Gate(httpx.AsyncBaseTransport):
        inner = httpx.ASGITransport(app=app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "PATCH":  # the preflight's account GET goes through
                entered.set()
                await release.wait()
            return await self.inner.handle_async_request(request)

    async def cell() -> asyncio.Task[pd.DataFrame]:
        task = asyncio.ensure_future(plan.apply_async(transport=Gate(), progress=False))
        await entered.wait()
        task.cancel()
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task

    task = asyncio.run(cell())
    assert task.cancelled()
    assert plan.results is not None
    assert plan.results["status"].tolist() == ["updated"] + ["cancelled"] * (ROWS - 1)


def test_a_cancellation_while_the_client_closes_keeps_the_results(app: Any) -> None:
    plan = _plan(app)
    closing, release = asyncio.Event(), asyncio.Event()

    class SlowClose(httpx.AsyncBaseTransport):
        inner = httpx.ASGITransport(app=app)

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await self.inner.handle_async_request(request)

        async def aclose(self) -> None:
            closing.set()
            await release.wait()

    async def cell() -> None:
        task = asyncio.ensure_future(plan.apply_async(transport=SlowClose(), progress=False))
        await closing.wait()  # every row has landed; the client is closing
        task.cancel()
        for _ in range(5):
            await asyncio.sleep(0)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cell())
    assert plan.results is not None
    assert plan.results["status"].tolist() == ["updated"] * ROWS


def test_an_apply_while_the_plan_is_being_applied_is_refused(app: Any) -> None:
    plan = _plan(app)
    seen: list[BaseException] = []

    def on_result(label: Any, result: Any) -> None:
        if not seen:  # a second apply from the engine's thread, mid-run
            try:
                plan.apply(transport=httpx.ASGITransport(app=app), progress=False)
            except truto_frame.InputError as exc:
                seen.append(exc)

    plan.apply(transport=httpx.ASGITransport(app=app), on_result=on_result, progress=False)
    assert seen and "being applied" in str(seen[0])
    assert len(patches(app)) == ROWS


# --------------------------------------------------------------------------- the widget


def test_a_preview_made_before_a_code_side_apply_follows_the_plan(app: Any) -> None:
    pytest.importorskip("ipywidgets")
    from truto_frame.ui.widget import PlanPreview

    plan = _plan(app)
    preview = PlanPreview(plan, transport=httpx.ASGITransport(app=app))
    assert not preview.apply_button.disabled
    assert "Nothing has been sent" in preview.summary.value

    plan.apply(transport=httpx.ASGITransport(app=app), progress=False)

    assert preview.apply_button.disabled and preview.cancel_button.disabled
    assert "Nothing has been sent" not in preview.summary.value
    assert f"{ROWS}</b> updated" in preview.results_summary.value
    assert preview.results.label.value == f"rows 1-{ROWS} of {ROWS}"
    preview.apply_button.click()  # a stale click sends nothing
    assert preview.wait(5) and len(patches(app)) == ROWS


def test_a_preview_shows_the_partial_results_of_an_interrupted_apply(app: Any) -> None:
    pytest.importorskip("ipywidgets")
    from truto_frame.ui.widget import PlanPreview

    plan = _plan(app)
    preview = PlanPreview(plan)
    with pytest.raises(ApplyInterrupted):
        plan.apply(transport=CtrlCTransport(app), progress=False)
    assert preview.apply_button.disabled
    assert f"{ROWS - 1}</b> cancelled" in preview.results_summary.value
    assert preview.retry_button.description == f"Retry failed ({ROWS - 1})"
    assert not preview.retry_button.disabled


def test_plan_listeners_are_called_and_can_leave(app: Any) -> None:
    plan = _plan(app)
    seen: list[int] = []
    stop = plan.on_applied(lambda results: seen.append(len(results)))
    plan.apply(transport=httpx.ASGITransport(app=app), progress=False)
    assert seen == [ROWS]
    stop()
    plan.apply(transport=httpx.ASGITransport(app=app), progress=False, again=True)
    assert seen == [ROWS]


# --------------------------------------------------------------------------- a real script

SCRIPT = textwrap.dedent(
    """
    import json, sys
    import truto_frame

    account, base, out = sys.argv[1], sys.argv[2], sys.argv[3]
    before = truto_frame.read_events(account, token="sandbox-token", base_url=base,
                                     start_time="2000-01-01", end_time="2100-01-01").head(8)
    edited = before.copy()
    edited["title"] = [f"Renamed {n}" for n in range(len(edited))]
    plan = edited.truto.update_events(token="sandbox-token", base_url=base, baseline=before,
                                      concurrency=1)

    def landed(label, result):
        print("landed", flush=True)

    try:
        plan.apply(on_result=landed, progress=False)
        print("the script went on", flush=True)
    finally:
        with open(out, "w") as handle:
            json.dump(plan.results["status"].tolist() if plan.results is not None else None,
                      handle)
    print("after apply: must not run", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_a_script_interrupted_with_sigint_exits_non_zero_with_complete_results(
    tmp_path: Path,
) -> None:
    script = tmp_path / "bulk.py"
    script.write_text(SCRIPT)
    out = tmp_path / "statuses.json"
    env = {**os.environ, "PYTHONPATH": str(Path(truto_frame.__file__).parents[1])}
    # Each request takes a while: the run is mid-flight when the signal comes.
    with running_server_process(["--latency", "0.3"]) as base:
        process = subprocess.Popen(
            [sys.executable, str(script), OUTLOOK_ACCOUNT_ID, base, str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        first = process.stdout.readline()  # the first row landed: the run is under way
        assert first.strip() == "landed", process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "the script went on" not in stdout and "must not run" not in stdout
    assert "ApplyInterrupted" in stderr and "plan.retry_failed()" in stderr
    statuses = json.loads(out.read_text())
    assert len(statuses) == 8
    assert "cancelled" in statuses and statuses[0] == "updated"
    assert set(statuses) <= {"updated", "cancelled"}


# --------------------------------------------------------------------------- a notebook kernel

# Run in a child process: finding the kernel imports ipykernel, which would make this test
# process look like a notebook to the code under test (see test_notebooks.py).
_KERNEL = textwrap.dedent(
    '''
    import json, sys
    from jupyter_client.manager import start_new_kernel

    SETUP = """
    import httpx, truto_frame
    from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID, SandboxConfig, create_app
    from truto_frame.sandbox.faults import FaultConfig
    app = create_app(SandboxConfig(faults=FaultConfig(latency=0.3)))
    transport = httpx.ASGITransport(app=app)
    before = truto_frame.read_events(OUTLOOK_ACCOUNT_ID, token="sandbox-token",
        base_url="http://sandbox", start_time="2000-01-01", end_time="2100-01-01",
        transport=transport).head(8)
    edited = before.assign(title=[f"Renamed {n}" for n in range(8)])
    plan = edited.truto.update_events(token="sandbox-token", base_url="http://sandbox",
        baseline=before, concurrency=1)
    preview = plan.preview().preview
    """
    APPLY = "plan.apply(transport=transport, on_result=lambda label, r: print('landed'))"
    REPORT = """
    import json
    print(json.dumps({"statuses": plan.results["status"].tolist(),
                      "apply_disabled": preview.apply_button.disabled,
                      "summary": preview.results_summary.value}))
    """

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        def run(code, on_output=None):
            msg_id = kc.execute(code)
            out = []
            while True:
                msg = kc.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    out.append(content["text"])
                    if on_output is not None:
                        on_output(content["text"])
                elif kind == "error":
                    out.append("ERROR " + content["ename"] + ": " + content["evalue"])
                elif kind == "status" and content["execution_state"] == "idle":
                    return "".join(out)

        assert "ERROR" not in run(SETUP)
        pressed = []

        def stop_once(text):
            if "landed" in text and not pressed:  # mid-run: the kernel's Stop button
                pressed.append(True)
                km.interrupt_kernel()

        applied = run(APPLY, stop_once)
        report = run(REPORT)
        print(json.dumps({"apply": applied, "report": report}))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    '''
)


def test_the_kernel_interrupt_stops_apply_and_the_preview_shows_the_partial_results(
    tmp_path: Path,
) -> None:
    for module in ("jupyter_client", "ipykernel", "ipywidgets"):
        pytest.importorskip(module)
    env = {
        **os.environ,
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": str(Path(truto_frame.__file__).parents[1]),
    }
    done = subprocess.run(
        [sys.executable, "-c", _KERNEL],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "ERROR ApplyInterrupted" in seen["apply"], seen
    assert "plan.retry_failed()" in seen["apply"]
    report = json.loads(seen["report"])
    statuses = report["statuses"]
    assert len(statuses) == 8 and statuses[0] == "updated" and "cancelled" in statuses
    assert report["apply_disabled"] is True
    assert "cancelled" in report["summary"]
