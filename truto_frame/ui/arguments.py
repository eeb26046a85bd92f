"""The ``truto-frame`` command line's arguments: every subcommand and option, and exit codes.

:func:`build_parser` is the one place the options are declared (``docs/cli.md`` documents each,
and a test checks that it does); :mod:`truto_frame.ui.cli` runs the commands.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ..api.budgets import RateLimits, parse_budget
from ..errors import UsageError
from ..sandbox.server import build_arg_parser
from ..version import __version__

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "HIDDEN",
    "UsageError",
    "build_parser",
    "redact_usage",
]

EXIT_OK = 0
"""Every row succeeded (updated or unchanged)."""
EXIT_FAILED = 1
"""Some row did not succeed, or the API refused a read."""
EXIT_USAGE = 2
"""The command was called wrongly (printed as one line)."""


HIDDEN = "<value>"
"""What a usage error prints instead of an argument's value (it may be the API token)."""

# argparse's messages that quote what was typed; the value part is dropped or replaced.
_QUOTING = [
    (re.compile(r"invalid choice: .*? \(choose from"), "invalid choice (choose from"),
    (re.compile(r"invalid (\w+) value: .*"), r"invalid \1 value"),
    (re.compile(r"(ambiguous option: -[^\s=]*)=\S*"), rf"\1={HIDDEN}"),
    (re.compile(r"unrecognized arguments: (.*)"), None),
]


def _argument_values(argv: Sequence[str]) -> list[str]:
    """What the user typed that is not an option's name: positionals and ``--opt=VALUE`` parts."""
    values: set[str] = set()
    for arg in argv:
        if arg.startswith("-") and len(arg) > 1:
            value = arg.partition("=")[2]
            if value:
                values.add(value)
        elif arg:
            values.add(arg)
    return sorted(values, key=len, reverse=True)  # longest first: no half-replaced value


def _hide_arguments(pieces: str) -> str:
    # "unrecognized arguments: --tokn=abc abc" -> "--tokn=<value> <value>": names, never values
    out = []
    for piece in pieces.split(" "):
        if piece.startswith("-") and len(piece) > 1:
            name, sep, _value = piece.partition("=")
            out.append(f"{name}={HIDDEN}" if sep else name)
        elif piece:
            out.append(HIDDEN)
    return " ".join(out)


def redact_usage(message: str, argv: Sequence[str]) -> str:
    """A usage error's message that names options but repeats no value the user typed.

    A value may be the API token (``--token`` passed on, or pasted in the wrong place), so
    argparse's messages that quote values (unrecognized arguments, invalid choices and
    numbers, ambiguous ``--opt=VALUE``) are rewritten, and any value of ``argv`` that still
    appears is replaced by ``<value>``.

    Parameters
    ----------
    message : str
        argparse's message.
    argv : sequence of str
        The arguments that were parsed.

    Returns
    -------
    str
        The message without values.
    """
    for pattern, replacement in _QUOTING:
        if replacement is None:
            message = pattern.sub(
                lambda m: "unrecognized arguments: " + _hide_arguments(m[1]), message
            )
        else:
            message = pattern.sub(replacement, message)
    for value in _argument_values(argv):
        quoted = re.escape(value)
        message = re.sub(rf"(['\"]){quoted}\1", HIDDEN, message)
        if len(value) >= 3:  # a bare word of one or two letters is too likely a real word
            message = re.sub(rf"(?<![\w-]){quoted}(?![\w-])", HIDDEN, message)
    return message


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, names no value, and raises instead of exiting."""

    _argv: Sequence[str] | None = None

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # Kept for error(): the values to leave out of its message. Subcommands parse their
        # own part through this method too.
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        argv = self._argv if self._argv is not None else sys.argv[1:]
        message = redact_usage(message, argv)
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# --------------------------------------------------------------------------- parser


def _budget(text: str) -> tuple[int, float] | None:
    try:
        return parse_budget(text)
    except ValueError:
        # Named by argparse as "argument --account-limit: ..."; the value is not repeated.
        raise argparse.ArgumentTypeError("expected LIMIT/SECONDS such as 50/10, or none") from None


def _add_connection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--integrated-account-id", metavar="ID", help="the Truto integrated account")
    p.add_argument(
        "--base-url",
        help="API base URL (default: env TRUTO_API_BASE_URL, else https://api.truto.one)",
    )
    token = p.add_mutually_exclusive_group()
    token.add_argument(
        "--token",
        help="API token; discouraged: a command-line argument is visible to other users of "
        "the machine and kept in shell history (default: env TRUTO_API_TOKEN, preferred)",
    )
    token.add_argument(
        "--token-file",
        metavar="PATH",
        help="read the API token from the first line of PATH ('-': standard input)",
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
        help="plan, confirm and apply the updates of a CSV file or workbook (one row per event)",
        description="Update events from a CSV file (`,` `;` or tab, BOM or not) or an .xlsx "
        "workbook: column `id` plus flat field columns. "
        "An empty cell leaves a field unchanged, <NULL> clears it, JSON text sets a whole "
        "list or object.",
    )
    up.add_argument("file", metavar="FILE.csv|FILE.xlsx", help="the CSV or workbook of updates")
    up.add_argument(
        "--sheet",
        metavar="NAME",
        help="the workbook's sheet, by name or 1-based position (default: the first)",
    )
    _add_connection(up)
    up.add_argument("--yes", "-y", action="store_true", help="apply without asking")
    up.add_argument("--dry-run", action="store_true", help="show the plan, send nothing")
    up.add_argument(
        "--results",
        metavar="OUT.csv|OUT.xlsx",
        help="write one result row per input row (a CSV keeps the input's delimiter and BOM)",
    )
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
    up.add_argument(
        "--on-conflict",
        choices=["skip", "overwrite"],
        default="skip",
        help="a field changed by someone else since the baseline too: leave the row unsent "
        "(skip, status conflict) or send your value anyway (overwrite)",
    )
    up.add_argument("--concurrency", type=int, default=16, metavar="N", help="requests in flight")
    defaults = RateLimits()
    up.add_argument(
        "--account-limit",
        type=_budget,
        default=defaults.per_account,
        metavar="N/SECONDS",
        help="pace to N requests per SECONDS per account (default 50/10, Truto's limit; none)",
    )
    up.add_argument(
        "--token-limit",
        type=_budget,
        default=defaults.per_token,
        metavar="N/SECONDS",
        help="pace to N requests per SECONDS for the whole token (default 500/10; none)",
    )
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
    rd.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE.csv|FILE.xlsx",
        help="CSV, or a workbook for .xlsx (default: CSV on stdout)",
    )
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
    build_arg_parser(sb)

    sub.add_parser(
        "demo",
        help="the whole job end to end on the embedded sandbox (no account, no network)",
        description="Read events from a sandbox account, edit a few, show the plan, apply it "
        "and print the results, all in process.",
    )
    return parser
