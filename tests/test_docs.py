"""The docs: they build strictly, cover the CLI and the public API, and their examples run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import truto_frame
from truto_frame.ui.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# Pages whose ```python blocks run as written, top to bottom, each page in its own namespace.
EXECUTED_PAGES = ("quickstart.md", "columns.md", "sandbox.md", "attendees.md")


def _text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.M | re.S)


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reference = (tmp_path / "site" / "reference" / "index.html").read_text(encoding="utf-8")
    assert 'id="truto_frame.read.read_events"' in reference  # the docstrings were rendered


def test_every_page_is_in_the_nav() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        assert f" {page.name}" in config, f"{page.name} is not in mkdocs.yml's nav"


def test_every_cli_subcommand_and_option_is_documented() -> None:
    cli_doc = _text("cli.md")
    parser = build_parser()
    subparsers = next(
        action for action in parser._actions if action.__class__.__name__ == "_SubParsersAction"
    )
    commands = subparsers.choices  # type: ignore[attr-defined]
    assert set(commands) == {"update-events", "read-events", "sandbox", "demo"}
    for name, sub in commands.items():
        assert f"## `truto-frame {name}`" in cli_doc, f"no section for {name}"
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in cli_doc, f"{name} {option} is not documented"


def test_every_public_name_is_in_the_reference() -> None:
    reference = _text("reference.md")
    for name in truto_frame.__all__:
        directive = re.search(rf"^::: truto_frame(\.\w+)*\.{name}$", reference, flags=re.M)
        member = re.search(rf"^\s+- {name}$", reference, flags=re.M)
        assert directive or member, f"truto_frame.{name} is not in docs/reference.md"


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_examples_run(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The examples set these; monkeypatch restores the environment afterwards.
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://unused.invalid")
    monkeypatch.setenv("TRUTO_API_TOKEN", "unused")
    blocks = _python_blocks(_text(page))
    assert blocks, f"{page} has no python examples"
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    for number, block in enumerate(blocks):
        exec(compile(block, f"{page}[{number}]", "exec"), namespace)


def test_the_columns_example_shows_the_real_payloads() -> None:
    block = _python_blocks(_text("columns.md"))[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "columns.md[0]", "exec"), namespace)
    shown = re.search(r"^# (\[\{.*?)\n# ( \{.*?\])$", block, flags=re.M | re.S)
    assert shown is not None
    expected = eval(shown.group(1) + shown.group(2))
    assert namespace["plan"].payloads.tolist() == expected  # type: ignore[attr-defined]
