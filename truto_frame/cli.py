"""The ``truto-frame`` command line: a thin shell over the same plan the Python API builds.

::

    truto-frame update-events FILE.csv --integrated-account-id ID [--yes] [--dry-run] ...
    truto-frame read-events --integrated-account-id ID --from 2026-12-01 --to 2027-01-01 \
        -o events.csv
    truto-frame sandbox [--port 8787]
    truto-frame demo

Exit codes: ``0`` every row succeeded (updated or unchanged), ``1`` some row did not (invalid,
failed, cancelled) or the API refused a read, ``2`` a usage error (bad option, missing file, no
``id`` column, no token, no confirmation). User mistakes print one line, never a traceback.
argparse is enough here: no new dependency for four subcommands.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import pandas as pd

from . import __version__
from .cli_render import (
    format_plan,
    format_results,
    read_csv_text,
    results_csv_frame,
    summary_line,
    write_csv,
)
from .errors import ConfigurationError, InputError, TrutoFrameError

if TYPE_CHECKING:
    import httpx

__all__ = ["build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and raises instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# --------------------------------------------------------------------------- parser


def _add_connection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--integrated-account-id", metavar="ID", help="the Truto integrated account")
    p.add_argument(
        "--base-url",
        help="API base URL (default: env TRUTO_API_BASE_URL, else https://api.truto.one)",
    )
    p.add_argument(
        "--token",
        help="API token (default: env TRUTO_API_TOKEN; prefer the environment variable, "
        "a command-line argument is visible to other users of the machine)",
    )


def _add_response_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--response-format",
        default="unified",
        choices=["unified", "raw", "normalized", "stream"],
        help="truto_response_format (default: unified)",
    )
    p.add_argument(
        "--exclude-field",
        action="append",
        default=[],
        metavar="FIELD",
        help="truto_exclude_fields[]; repeat for several",
    )
    p.add_argument(
        "--remote-query",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="remote_query[KEY]=VALUE passed to the provider; repeat for several",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``truto-frame`` (every subcommand and option)."""
    parser = _Parser(
        prog="truto-frame",
        description="Bulk-edit calendar events through Truto's Unified Calendar API.",
    )
    parser.add_argument("--version", action="version", version=f"truto-frame {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    up = sub.add_parser(
        "update-events",
        help="plan, confirm and apply the updates of a CSV file (one row per event)",
        description="Update events from a CSV file: column `id` plus flat field columns. "
        "An empty cell leaves a field unchanged, <NULL> clears it, JSON text sets a whole "
        "list or object.",
    )
    up.add_argument("file", metavar="FILE.csv", help="the CSV of updates")
    _add_connection(up)
    up.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    up.add_argument("--dry-run", action="store_true", help="show the plan, send nothing")
    up.add_argument("--results", metavar="OUT.csv", help="write one result row per input row")
    up.add_argument(
        "--baseline",
        metavar="FILE.csv",
        help="current values (e.g. from read-events): send only the fields that differ",
    )
    up.add_argument(
        "--journal",
        metavar="FILE",
        help="record results as they land; run again with the same journal to resume",
    )
    up.add_argument(
        "--send-notifications",
        choices=["all", "external_only", "none"],
        help="whether the provider emails attendees (Google integrations only)",
    )
    up.add_argument("--concurrency", type=int, default=16, metavar="N", help="requests in flight")
    up.add_argument(
        "--integration",
        choices=["google", "googlecalendar", "outlookcalendar"],
        help="the account's integration, to check its required and supported fields",
    )
    up.add_argument(
        "--ignore-remote-data", action="store_true", help="truto_ignore_remote_data=true"
    )
    _add_response_options(up)
    up.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (default: one on stderr when it is a terminal)",
    )

    rd = sub.add_parser(
        "read-events",
        help="list an account's events into a CSV that update-events reads",
        description="List events (every page) into a CSV; edit it and feed it to update-events "
        "(pass the original as --baseline to send only what you changed).",
    )
    _add_connection(rd)
    rd.add_argument("--from", dest="start", metavar="WHEN", help="window start (default: -30 days)")
    rd.add_argument("--to", dest="end", metavar="WHEN", help="window end (default: +365 days)")
    rd.add_argument("--calendar-id", help="only this calendar")
    rd.add_argument("-o", "--output", default="-", metavar="FILE.csv", help="default: stdout")
    rd.add_argument(
        "--with-remote-data",
        action="store_true",
        help="keep the provider's remote_data column (left out by default)",
    )
    rd.add_argument("--page-size", type=int, metavar="N", help="events per page")
    _add_response_options(rd)

    sb = sub.add_parser(
        "sandbox",
        help="serve the Truto emulator on this machine",
        description="Serve the sandbox (an emulator of Truto's calendar API) for rehearsals.",
    )
    # The same options as `python -m truto_frame.sandbox`, defined once by the sandbox.
    from .sandbox.server import build_arg_parser

    build_arg_parser(sb)

    sub.add_parser(
        "demo",
        help="the whole job end to end on the embedded sandbox (no account, no network)",
        description="Read events from a sandbox account, edit a few, show the plan, apply it "
        "and print the results, all in process.",
    )
    return parser


# --------------------------------------------------------------------------- commands


def _remote_query(pairs: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--remote-query expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def _require_token(args: argparse.Namespace) -> str:
    token = args.token or os.environ.get("TRUTO_API_TOKEN")
    if not token or not token.strip():
        raise UsageError(
            "no API token: set the TRUTO_API_TOKEN environment variable or pass --token"
        )
    return token.strip()


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


def _update_events(args: argparse.Namespace, transport: httpx.AsyncBaseTransport | None) -> int:
    from .planning import build_plan

    # A dry run needs no token; a real run checks it before reading anything.
    token = (args.token or os.environ.get("TRUTO_API_TOKEN")) if args.dry_run else None
    if not args.dry_run:
        token = _require_token(args)
    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    df = read_csv_text(args.file)
    if "id" not in df.columns:
        raise UsageError(f"{args.file} has no 'id' column: it must hold the id of each event")
    if not args.integrated_account_id and "integrated_account_id" not in df.columns:
        raise UsageError(
            f"{args.file} has no integrated_account_id column: pass --integrated-account-id"
        )
    baseline = read_csv_text(args.baseline) if args.baseline else None
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
    print(f"{args.file}: {len(df)} rows, {df.shape[1]} columns", file=out)
    print(format_plan(plan), file=out)
    counts = plan.counts
    if args.dry_run:
        note = f" ({args.results} is written only by a real run.)" if args.results else ""
        print(f"Dry run: nothing was sent.{note}", file=out)
        return EXIT_OK if counts["invalid"] == 0 else EXIT_FAILED
    if counts["send"] and not args.yes:
        n = counts["send"]
        accounts = args.integrated_account_id or "the accounts of the file"
        if not _confirm(f"Send {n} update{'s' * (n != 1)} to {plan.base_url} ({accounts})?"):
            print("Cancelled: nothing was sent.", file=out)
            return EXIT_FAILED
    results = plan.apply(
        progress=False if args.no_progress else None, journal=args.journal, transport=transport
    )
    print(format_results(results, plan.event_ids), file=out)
    if args.results:
        write_csv(results_csv_frame(df, results), args.results)
        print(f"Results written to {args.results}", file=out)
    print(summary_line(results), file=out)
    ok = results["status"].isin(["updated", "skipped"]).all()
    return EXIT_OK if ok else EXIT_FAILED


def _read_events(args: argparse.Namespace, transport: httpx.AsyncBaseTransport | None) -> int:
    from .read import read_events

    if not args.integrated_account_id:
        raise UsageError("read-events needs --integrated-account-id")
    token = _require_token(args)
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
        write_csv(df, args.output)
        print(f"{len(df)} events written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _sandbox(args: argparse.Namespace) -> int:
    from .sandbox.server import config_from_args, serve

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
            note = "  (read-only: writes answer 405)"
        print(f"  {account}  {integration}{note}", file=out)
    out.flush()
    serve(args.host, args.port, config, log_level=args.log_level)
    return EXIT_OK


def _demo() -> int:
    from .demo import run_demo

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
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        if args.command == "update-events":
            return _update_events(args, transport)
        if args.command == "read-events":
            return _read_events(args, transport)
        if args.command == "sandbox":
            return _sandbox(args)
        return _demo()
    except UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    except FileNotFoundError as exc:
        _fail(f"no such file: {exc.filename}")
        return EXIT_USAGE
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
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
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
