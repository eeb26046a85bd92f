"""The preview in a real browser: Voila serves a notebook, Debian's Chromium clicks Apply.

The test process runs the sandbox over HTTP on 127.0.0.1 (so it can read the sandbox's request
log), serves ``preview.ipynb`` with Voila on another free port, and drives Chromium through
Playwright: the preview must show both diffs with the ``<script>`` title as text, Apply must
send exactly the two changed rows, and the results must appear in the page. A screenshot is
kept in ``test-artifacts/``. Skipped, with the reason, when Chromium, Playwright or Voila is
missing (``scripts/ci_browser.sh`` installs them).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOK = HERE / "preview.ipynb"
CHROMIUM = os.environ.get("TRUTO_FRAME_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ANCHOR = datetime(2026, 3, 2, tzinfo=timezone.utc)  # the notebook reads March 2026
SCRIPT_TITLE = "<script>alert('x')</script> Board review"
STARTUP_SECONDS = 120


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; see scripts/ci_browser.sh)"
    for module, package in (("playwright", "playwright"), ("voila", "voila")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed (pip install -e '.[browser]')"
    return None


MISSING = _missing()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=str(MISSING))]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox() -> Iterator[tuple[Any, str]]:
    from truto_frame.sandbox import SandboxConfig, create_app, running_server

    app = create_app(SandboxConfig(anchor=ANCHOR))
    with running_server(app=app) as base_url:
        yield app, base_url


@pytest.fixture
def voila(sandbox: tuple[Any, str], tmp_path: Path) -> Iterator[str]:
    _, base_url = sandbox
    port = _free_port()
    env = {
        **os.environ,
        "TRUTO_API_BASE_URL": base_url,
        "TRUTO_API_TOKEN": "sandbox-token",
        # Keep Jupyter's runtime files and settings out of the user's home.
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "PYTHONWARNINGS": "ignore",
    }
    log = (tmp_path / "voila.log").open("w")
    command = [
        sys.executable,
        "-m",
        "voila",
        str(NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--Voila.root_dir=" + str(HERE),
        "--VoilaConfiguration.file_allowlist=[]",
        "--show_tracebacks=True",
    ]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=HERE)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"voila exited: {(tmp_path / 'voila.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("voila did not start in time")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_preview_apply_in_chromium(sandbox: tuple[Any, str], voila: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    app, _ = sandbox
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(voila, timeout=STARTUP_SECONDS * 1000)
            apply = page.get_by_role("button", name="Apply: update 2 events")
            expect(apply).to_be_visible(timeout=STARTUP_SECONDS * 1000)

            # The preview: counts, both diffs, and the markup shown as text, never run.
            expect(page.get_by_text("2 to update")).to_be_visible()
            expect(page.get_by_text("4 unchanged (skipped)")).to_be_visible()
            expect(page.get_by_text("rows 1-2 of 2")).to_be_visible()
            expect(page.get_by_text(SCRIPT_TITLE, exact=True)).to_be_visible()
            expect(page.get_by_text("Room 42", exact=True)).to_be_visible()
            assert page.locator("script", has_text="alert('x')").count() == 0
            page.screenshot(path=str(ARTIFACTS / "preview-before-apply.png"), full_page=True)
            assert not any(r.method == "PATCH" for r in app.state.sandbox.requests)

            apply.click()
            expect(page.get_by_text("Done:")).to_be_visible(timeout=60_000)
            summary = page.locator(".truto-results-summary")
            expect(summary).to_contain_text("2 updated")
            expect(summary).to_contain_text("4 skipped")
            expect(page.get_by_text("rows 1-6 of 6")).to_be_visible()
            expect(page.locator(".truto-results td", has_text="updated")).to_have_count(2)
            page.screenshot(path=str(ARTIFACTS / "preview-after-apply.png"), full_page=True)

            # Undo is prepared as a plan of its own, previewed, and not sent.
            page.get_by_role("button", name="Prepare undo…").click()
            expect(page.get_by_text("Undo: put the previous values back")).to_be_visible()
            expect(page.get_by_role("button", name="Apply: update 2 events")).to_have_count(2)
            page.screenshot(path=str(ARTIFACTS / "preview-undo.png"), full_page=True)
        finally:
            browser.close()

    patches = [r for r in app.state.sandbox.requests if r.method == "PATCH"]
    assert len(patches) == 2
    titles = [r.body.get("title") for r in patches]
    assert SCRIPT_TITLE in titles
    assert any((r.body.get("location") or {}).get("name") == "Room 42" for r in patches)
    assert dialogs == [], "a title ran as script"
