"""Files as analysts have them: Excel's CSVs and workbooks, read by the library and the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import openpyxl
import pandas as pd
import pytest

import truto_frame
from truto_frame.frame.files import TableFormat, read_table, write_csv
from truto_frame.sandbox import OUTLOOK_ACCOUNT_ID, SandboxConfig, create_app
from truto_frame.ui.cli import main
from truto_frame.ui.text import results_csv_frame

SECRET = "tok-files-secret"
ACCOUNT = OUTLOOK_ACCOUNT_ID
BOM = "\ufeff"


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    return create_app(SandboxConfig(token=SECRET))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, app) -> httpx.ASGITransport:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRUTO_API_TOKEN", SECRET)
    monkeypatch.setenv("TRUTO_API_BASE_URL", "http://sandbox.test")
    return httpx.ASGITransport(app=app)


def _excel_csv(path: Path, rows: list[list[str]]) -> Path:
    # What Excel's "CSV UTF-8" writes in a European locale: BOM, semicolons, CRLF.
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"
    path.write_bytes((BOM + text).encode("utf-8"))
    return path


def _first_events(app, n: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    sandbox = app.state.sandbox
    return [
        (i, sandbox.get_event(ACCOUNT, i)["calendar"]["id"]) for i in sandbox.event_ids(ACCOUNT)[:n]
    ]


def test_read_csv_keeps_text_from_an_excel_csv(tmp_path: Path) -> None:
    path = _excel_csv(
        tmp_path / "excel.csv",
        [
            ["id", "title", "location.address.postal_code", "description", "status"],
            ["00123", "N/A", "00123", "null", "<NULL>"],
            ["7", "None", "", '"Room; upstairs"', "NA"],
        ],
    )
    df = truto_frame.read_csv(path)
    assert list(df.columns) == [
        "id",
        "title",
        "location.address.postal_code",
        "description",
        "status",
    ]
    assert df["id"].tolist() == ["00123", "7"]
    assert df["title"].tolist() == ["N/A", "None"]
    assert df.loc[2, "location.address.postal_code"] == "00123"
    assert pd.isna(df.loc[3, "location.address.postal_code"])  # empty: leave unchanged
    assert df["description"].tolist() == ["null", "Room; upstairs"]
    assert df["status"].tolist() == ["<NULL>", "NA"]
    assert df.index.tolist() == [2, 3]  # spreadsheet row numbers
    assert not any("\r" in str(v) for v in df.to_numpy().ravel())


@pytest.mark.parametrize(
    ("delimiter", "bom", "line_end"),
    [(",", False, "\n"), (";", True, "\r\n"), ("\t", False, "\r\n"), (";", False, "\n")],
)
def test_the_format_is_sniffed_and_written_back_alike(
    tmp_path: Path, delimiter: str, bom: bool, line_end: str
) -> None:
    header = delimiter.join(["id", "title", "attendees"])
    cell = json.dumps([{"person": {"emails": [{"email": "a@example.com"}]}}])
    quoted = '"' + cell.replace('"', '""') + '"'
    body = delimiter.join(["e1", '"Sync, weekly; 1:1"', quoted])
    raw = (BOM if bom else "") + header + line_end + body + line_end
    source = tmp_path / "in.csv"
    source.write_bytes(raw.encode("utf-8"))
    df, found = read_table(source)
    assert found == TableFormat("csv", delimiter, bom, line_end)
    assert df.loc[2, "title"] == "Sync, weekly; 1:1"
    assert json.loads(df.loc[2, "attendees"]) == json.loads(cell)
    out = tmp_path / "out.csv"
    write_csv(df, out, like=found)
    written = out.read_bytes().decode("utf-8")
    assert written.startswith((BOM if bom else "") + header + line_end)
    assert written.count(line_end) == 2 and (line_end == "\r\n") == ("\r" in written)
    again, same = read_table(out)
    assert same == found
    pd.testing.assert_frame_equal(again, df)


def test_read_csv_takes_a_text_buffer_with_a_bom() -> None:
    df = truto_frame.read_csv(io.StringIO(BOM + "id;title\r\n00042;N/A\r\n"))
    assert df.columns.tolist() == ["id", "title"]
    assert df.loc[2].tolist() == ["00042", "N/A"]


def test_cli_applies_an_excel_csv_and_mirrors_it_in_the_results(app, env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, cal_b) = _first_events(app, 2)
    source = _excel_csv(
        tmp_path / "edits.csv",
        [
            ["id", "calendar.id", "title", "location.address.postal_code"],
            [a, cal_a, "N/A", "00123"],
            [b, cal_b, "null", ""],
        ],
    )
    out = tmp_path / "results.csv"
    code = main(
        [
            "update-events",
            str(source),
            "--integrated-account-id",
            ACCOUNT,
            "--yes",
            "--no-progress",
            "--results",
            str(out),
        ],
        transport=env,
    )
    assert code == 0
    event_a = app.state.sandbox.get_event(ACCOUNT, a)
    assert event_a["title"] == "N/A"
    assert event_a["location"]["address"]["postal_code"] == "00123"
    assert app.state.sandbox.get_event(ACCOUNT, b)["title"] == "null"
    raw = out.read_bytes().decode("utf-8")
    assert raw.startswith(BOM + "id;calendar.id;title;")
    assert "\r\n" in raw
    results, found = read_table(out)
    assert found.delimiter == ";" and found.bom
    assert results["result_status"].tolist() == ["updated", "updated"]
    assert results["location.address.postal_code"].iloc[0] == "00123"


def _workbook(path: Path, rows: list[list[object]], sheet: str = "Events") -> Path:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["nothing here"])
    data = book.create_sheet(sheet)
    for row in rows:
        data.append(row)
    book.move_sheet(data, offset=-1)  # the events sheet first
    book.save(path)
    return path


def test_cli_applies_a_workbook_and_writes_a_workbook(app, env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (a, cal_a), (b, cal_b) = _first_events(app, 2)
    source = _workbook(
        tmp_path / "edits.xlsx",
        [
            ["id", "calendar.id", "title", "location.address.postal_code", "is_optional_note"],
            [a, cal_a, "Board review", "00123", None],
            [b, cal_b, "N/A", None, 5],
        ],
    )
    out = tmp_path / "results.xlsx"
    code = main(
        [
            "update-events",
            str(source),
            "--integrated-account-id",
            ACCOUNT,
            "--yes",
            "--no-progress",
            "--results",
            str(out),
        ],
        transport=env,
    )
    assert code == 0
    assert app.state.sandbox.get_event(ACCOUNT, a)["title"] == "Board review"
    assert app.state.sandbox.get_event(ACCOUNT, a)["location"]["address"]["postal_code"] == "00123"
    assert app.state.sandbox.get_event(ACCOUNT, b)["title"] == "N/A"
    results = truto_frame.read_excel(out)
    assert results["id"].tolist() == [a, b]
    assert results["result_status"].tolist() == ["updated", "updated"]
    assert json.loads(results.loc[2, "result_response"])["title"] == "Board review"


def test_a_workbook_sheet_by_name_and_a_missing_sheet(app, env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    ((a, cal_a),) = _first_events(app, 1)
    source = _workbook(tmp_path / "book.xlsx", [["id", "calendar.id", "title"], [a, cal_a, "X"]])
    df = truto_frame.read_excel(source, sheet="Notes")
    assert df.columns.tolist() == ["nothing here"]
    args = ["update-events", str(source), "--integrated-account-id", ACCOUNT, "--dry-run"]
    assert main([*args, "--sheet", "Events"], transport=env) == 0
    assert "1 to send" in capsys.readouterr().out
    assert main([*args, "--sheet", "Nope"], transport=env) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read") and "Nope" in err and "Traceback" not in err


def test_a_huge_response_is_summarized_in_the_results_file() -> None:
    inputs = pd.DataFrame({"id": ["e1", "e2"]})
    huge = {"id": "e1", "title": "Big", "remote_data": {"blob": "x" * 3_000_000}}
    small = {"id": "e2", "title": "Small"}
    results = pd.DataFrame(
        {
            "status": ["updated", "updated"],
            "http_status": [200, 200],
            "error": [None, None],
            "attempts": [1, 1],
            "response": [huge, small],
        }
    )
    frame = results_csv_frame(inputs, results)
    cell = frame.loc[0, "result_response"]
    assert len(cell) < 1000
    summary = json.loads(cell)
    assert summary["id"] == "e1" and summary["title"] == "Big"
    assert "journal" in summary["truncated"]
    assert json.loads(frame.loc[1, "result_response"]) == small


def test_read_events_writes_a_workbook_that_update_events_reads_back(
    app, env, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    book = tmp_path / "events.xlsx"
    assert (
        main(["read-events", "--integrated-account-id", ACCOUNT, "-o", str(book)], transport=env)
        == 0
    )
    events = truto_frame.read_excel(book)
    assert len(events) == len(app.state.sandbox.event_ids(ACCOUNT))
    args = ["update-events", str(book), "--integrated-account-id", ACCOUNT, "--dry-run"]
    capsys.readouterr()
    assert main([*args, "--baseline", str(book)], transport=env) == 0
    assert f"-> 0 to send, 0 invalid (not sent), {len(events)} unchanged" in capsys.readouterr().out


def test_a_csv_that_is_not_utf8_gets_advice(env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("id;title\r\ne1;Réunion\r\n".encode("cp1252"))
    assert main(["update-events", str(legacy), "--integrated-account-id", ACCOUNT]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "CSV UTF-8" in err


def test_a_calendar_export_without_ids_says_where_ids_come_from(env, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    export = _excel_csv(
        tmp_path / "outlook.csv",
        [
            ["Subject", "Start Date", "Start Time", "Required Attendees"],
            ["Sync", "12/10/2026", "9:00 AM", "ana@example.com"],
        ],
    )
    assert main(["update-events", str(export), "--integrated-account-id", ACCOUNT]) == 2
    err = capsys.readouterr().err
    assert "has no 'id' column" in err and "Subject, Start Date, Start Time" in err
    assert "calendar export" in err and "read-events" in err
