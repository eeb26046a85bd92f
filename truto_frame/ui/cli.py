"""The ``truto-frame`` command line: a thin shell over the same plan the Python API builds.

::

    truto-frame update-events FILE.csv --integrated-account-id ID [--yes] [--dry-run] ...
    truto-frame read-events --integrated-account-id ID --from 2026-12-01 --to 2027-01-01 \
        -o events.csv
    truto-frame sandbox [--port 8787]
    truto-frame demo

Exit codes: ``0`` every row succeeded (updated or unchanged), ``1`` some row did not (invalid,
failed, cancelled) or the API refused a read, ``2`` a usage error (bad option, missing file, no
``id`` column, no token, no confirmation), ``130`` / ``143`` stopped by Ctrl-C / SIGTERM (the
results file is still written), ``141`` standard output was closed (``| head``). User mistakes
print one line, never a traceback, and never repeat an argument's value.
argparse is enough here: no new dependency for four subcommands.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ..api.auth import find_token, resolve_token
from ..api.budgets import RateLimits
from ..engine.journal import Journal
from ..errors import (
    ApplyInterrupted,
    ConfigurationError,
    InputError,
    TrutoFrameError,
    UsageError,
)
from ..frame.files import TableFormat, read_table, write_csv, write_table
from ..planning.build import build_plan
from ..planning.headers import export_header_hint
from ..read import read_events
from ..sandbox.server import config_from_args, serve
from .arguments import EXIT_FAILED, EXIT_OK, EXIT_USAGE, build_parser
from .demo import run_demo
from .stopping import (
    EXIT_CLOSED_PIPE,
    default_journal_path,
    exit_code_of_stop,
    journal_of_updates,
    shown_path,
    sigterm_as_interrupt,
    silence_stdout,
)
from .summary import check_lines
from .text import (
    conflict_hint,
    format_plan,
    format_results,
    results_csv_frame,
    summary_line,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["build_parser", "main"]

# --------------------------------------------------------------------------- commands


def _remote_query(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            # The value is not repeated: it may be the token typed in the wrong place.
            raise UsageError("--remote-query expects KEY=VALUE (a value without '=' was given)")
        out[key] = value
    return out


def _given_token(args: argparse.Namespace) -> str | None:
    """--token-file (a file or '-' for stdin), else --token; None leaves TRUTO_API_TOKEN."""
    if args.token_file:
        if args.token_file == "-":
            return sys.stdin.readline().strip()
        with open(args.token_file, encoding="utf-8-sig") as handle:
            return handle.readline().strip()
    return args.token or None


def _confirm(question: str) -> bool:
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        raise UsageError(
            "refusing to send without confirmation: standard input is not a terminal; "
            "pass --yes to apply, or --dry-run to only see the plan"
        )
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = stdin.readline().strip().lower()
    return answer in ("y", "yes")


def _read_input(path: str, sheet: str | None) -> tuple[pd.DataFrame, TableFormat]:
    try:
        return read_table(path, sheet=_sheet(sheet))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        if isinstance(exc, (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError)):
            raise
        # openpyxl's words for a file that is not a workbook or a sheet that is not there.
        raise UsageError(f"cannot read {path}: {_one_line(exc)}") from None


def _sheet(sheet: str | None) -> str | int | None:
    # `--sheet 2` is the second sheet, unless the workbook names a sheet "2" (rare): by position.
    if sheet is not None and sheet.isdigit():
        return int(sheet) - 1
    return sheet


def _update_events(args: argparse.Namespace, transport: httpx.AsyncBaseTransport | None) -> int:
    # A dry run needs no token; a real run checks it before reading anything (api/auth.py
    # looks it up, with the environment variable, and says the one "no API token" message).
    given = _given_token(args)
    token = find_token(given) if args.dry_run else resolve_token(given)
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    df, found = _read_input(args.file, args.sheet)
    if "id" not in df.columns:
        export = [str(c) for c in df.columns if export_header_hint(str(c)) is not None]
        where_ids = (
            f" ({', '.join(export[:3])}: this looks like a calendar export, which carries no "
            "event ids; start from `truto-frame read-events -o events.csv`, one row per event "
            "with its id)"
            if export
            else ""
        )
        raise UsageError(
            f"{args.file} has no 'id' column: it must hold the id of each event{where_ids}"
        )
    if not args.integrated_account_id and "integrated_account_id" not in df.columns:
        raise UsageError(
            f"{args.file} has no integrated_account_id column: pass --integrated-account-id"
        )
    baseline = _read_input(args.baseline, None)[0] if args.baseline else None
    plan = build_plan(
        df,
        integrated_account_id=args.integrated_account_id,
        token=token,
        base_url=args.base_url,
        send_notifications=args.send_notifications,
        response_format=args.response_format,
        ignore_remote_data=args.ignore_remote_data,
        exclude_fields=args.exclude_field,
        remote_query=_remote_query(args.remote_query),
        concurrency=args.concurrency,
        baseline=baseline,
        integration=args.integration,
    )
    out = sys.stdout
    rows, columns = len(df), df.shape[1]
    print(
        f"{args.file}: {rows} row{'s' * (rows != 1)}, {columns} column{'s' * (columns != 1)}",
        file=out,
    )
    print(format_plan(plan), file=out)
    counts = plan.counts
    if args.dry_run:
        note = f" ({args.results} is written only by a real run.)" if args.results else ""
        print(f"Dry run: nothing was sent.{note}", file=out)
        return EXIT_OK if counts["invalid"] == 0 else EXIT_FAILED
    if counts["send"]:
        # Ask Truto about the accounts before asking the user (one GET per account).
        check = plan.check(transport=transport)
        print("Checked with Truto:", file=out)
        for line in check_lines(check):
            print(f"  {line}", file=out)
        counts = {**plan.counts, "send": plan.counts["send"] - len(check.stopped)}
    if counts["send"] and not args.yes:
        n = counts["send"]
        accounts = args.integrated_account_id or "the accounts of the file"
        if not _confirm(f"Send {n} update{'s' * (n != 1)} to {plan.base_url} ({accounts})?"):
            print("Cancelled: nothing was sent.", file=out)
            return EXIT_FAILED
    try:
        results = plan.apply(
            progress=False if args.no_progress else None,
            # With responses: the results file keeps only a bounded summary of a huge body.
            journal=Journal(args.journal, responses=True) if args.journal else None,
            transport=transport,
            limits=RateLimits(per_account=args.account_limit, per_token=args.token_limit),
            on_conflict=args.on_conflict,
        )
        interrupted = False
    except ApplyInterrupted as stop:  # Ctrl-C or SIGTERM: every row has its result
        results, interrupted = stop.results, True
    if args.results:
        # First: a closed stdout (| head) must not cost the results file.
        # The results follow their input: a CSV saved by Excel keeps its `;` and BOM.
        write_table(results_csv_frame(df, results), args.results, like=found)
    if interrupted:
        journal = args.journal or str(default_journal_path(args.file))
        if not args.journal:
            journal_of_updates(plan, results, journal)
    print(format_results(results, plan.event_ids), file=out)
    hint = conflict_hint(results)
    if hint:
        print(hint, file=out)
    if args.results:
        print(f"Results written to {args.results}", file=out)
    print(summary_line(results), file=out)
    if interrupted:
        out.flush()
        print(
            "Interrupted: to send the rest, run the same command again with "
            f"--journal {journal} (rows already updated are not sent again).",
            file=sys.stderr,
        )
        return exit_code_of_stop()
    ok = results["status"].isin(["updated", "skipped"]).all()
    return EXIT_OK if ok else EXIT_FAILED


def _read_events(args: argparse.Namespace, transport: httpx.AsyncBaseTransport | None) -> int:
    if not args.integrated_account_id:
        raise UsageError("read-events needs --integrated-account-id")
    token = resolve_token(_given_token(args))
    df = read_events(
        args.integrated_account_id,
        token=token,
        base_url=args.base_url,
        start_time=args.start,
        end_time=args.end,
        calendar_id=args.calendar_id,
        response_format=args.response_format,
        ignore_remote_data=not args.with_remote_data,
        exclude_fields=args.exclude_field,
        remote_query=_remote_query(args.remote_query),
        transport=transport,
        page_size=args.page_size,
    )
    if args.output == "-":
        write_csv(df, sys.stdout)
    else:
        write_table(df, args.output)  # a workbook for -o events.xlsx
        print(f"{len(df)} events written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _sandbox(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    base_url = f"http://{args.host}:{args.port}"
    out = sys.stdout
    print(f"Sandbox on {base_url} (Ctrl-C to stop). In another shell:", file=out)
    print(f"  export TRUTO_API_BASE_URL={base_url}", file=out)
    # The sandbox's own token, chosen on this command line: not a secret of the user's.
    print(f"  export TRUTO_API_TOKEN={config.token}", file=out)
    print("Accounts (integrated_account_id, integration):", file=out)
    for account, integration in config.accounts.items():
        note = ""
        if account in config.blocked_accounts:
            note = "  (blocked: Truto answers 503)"
        elif account in config.read_only_accounts:
            note = "  (sandbox account, read-only: writes answer 405)"
        elif account in config.needs_reauth_accounts:
            note = "  (needs re-authorization: the provider answers 401)"
        print(f"  {account}  {integration}{note}", file=out)
    out.flush()
    serve(args.host, args.port, config, log_level=args.log_level)
    return EXIT_OK


def _demo() -> int:
    return run_demo(out=sys.stdout)


def main(
    argv: Sequence[str] | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> int:
    """Run ``truto-frame`` with ``argv`` (default: the process arguments).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name.
    transport : httpx.AsyncBaseTransport, optional
        Send requests through this transport instead of the network (tests, rehearsals).

    Returns
    -------
    int
        The exit code: 0 success, 1 some row or request failed, 2 usage error.
    """
    parser = build_parser()
    try:
        return _run(parser, argv, transport)
    except BrokenPipeError:  # the reader went away (| head): no traceback, no more output
        silence_stdout()
        return EXIT_CLOSED_PIPE


def _run(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    transport: httpx.AsyncBaseTransport | None,
) -> int:
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if args.command == "update-events":
            with sigterm_as_interrupt():  # a CI timeout or `kill` stops it like Ctrl-C
                return _update_events(args, transport)
        if args.command == "read-events":
            with sigterm_as_interrupt():
                return _read_events(args, transport)
        if args.command == "sandbox":
            return _sandbox(args)
        return _demo()
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except FileNotFoundError as exc:
        _fail(f"no such file: {shown_path(exc.filename)}")
        return EXIT_USAGE
    except UnicodeDecodeError:
        # Excel's plain "CSV" is the machine's code page; its "CSV UTF-8" is what we read.
        _fail("cannot read the CSV file: it is not UTF-8 text (in Excel: Save As 'CSV UTF-8')")
        return EXIT_USAGE
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        _fail(f"cannot read the CSV file: {_one_line(exc)}")
        return EXIT_USAGE
    except (InputError, ConfigurationError) as exc:
        _fail(_one_line(exc))
        return EXIT_USAGE
    except TrutoFrameError as exc:  # APIError: the API refused a read
        _fail(_one_line(exc))
        return EXIT_FAILED
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except KeyboardInterrupt:  # before any row was sent (or while reading)
        _fail("interrupted")
        return exit_code_of_stop()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
