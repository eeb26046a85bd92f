"""Every attendee sent has an email: the rule, and the column to fix when one has none.

An attendee is identified by its email on every provider (Google answers 400 "Missing attendee
email", Graph stores an attendee nobody can be invited as). A row makes one without noticing:
the email cell of ``attendees[1].person.emails[0].email`` emptied, its ``type`` cell left
filled, builds ``{"person": {"emails": [{"type": "work"}]}}``. :func:`attendee_email_problems`
names that cell.

An attendee that is exactly as the event holds it now (from a baseline) is not checked: a
resource or room read without an email may be sent back as it was.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .columns import Path, format_path

__all__ = ["attendee_email_problems"]


def _column(path: Path, columns: Collection[str]) -> str:
    # The deepest prefix of the path that is a column of the frame: where the value came from.
    for size in range(len(path), 0, -1):
        name = format_path(path[:size])
        if name in columns:
            return name
    return format_path(path)


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _has_emails(attendee: Any) -> bool:
    # The common case, checked first on plain dicts (a body as built): every email entry of
    # the attendee has an address. Anything else takes the full check below.
    person = attendee.get("person") if type(attendee) is dict else None
    emails = person.get("emails") if type(person) is dict else None
    if type(emails) is not list or not emails:
        return False
    for entry in emails:
        email = entry.get("email") if type(entry) is dict else None
        if type(email) is not str or not email.strip():
            return False
    return True


def attendee_email_problems(
    payload: Mapping[str, Any],
    columns: Collection[str] = (),
    current: Sequence[Any] | None = None,
) -> list[tuple[str, str]]:
    """List the attendees of a body that have no email, by the column to fill.

    Parameters
    ----------
    payload : mapping
        The body to send (only ``attendees`` is looked at).
    columns : collection of str, optional
        The frame's column names, to name the one a value came from (``attendees`` for a
        whole list given in one cell, ``attendees[0].person.emails[0].email`` for parts).
    current : sequence, optional
        The event's attendees now; an attendee equal to one of them is not checked.

    Returns
    -------
    list of (column, message)
        One problem per email entry without an address, or per attendee without any.

    Examples
    --------
    >>> attendee_email_problems({"attendees": [{"person": {"emails": [{"type": "work"}]}}]})
    ... # doctest: +NORMALIZE_WHITESPACE
    [('attendees[0].person.emails[0].email', 'every attendee needs an email:
      attendees[0].person.emails[0].email is empty (its type is set); fill it, or empty
      every attendees[0] cell to leave the attendee out')]
    """
    attendees = payload.get("attendees")
    if not isinstance(attendees, list) or all(_has_emails(a) for a in attendees):
        return []
    known = list(current) if isinstance(current, list) else []
    problems: list[tuple[str, str]] = []
    for i, attendee in enumerate(attendees):
        if not isinstance(attendee, Mapping) or attendee in known:
            continue
        person = attendee.get("person")
        emails = person.get("emails") if isinstance(person, Mapping) else None
        entries = emails if isinstance(emails, list) else []
        blank = [
            j
            for j, entry in enumerate(entries)
            if not (isinstance(entry, Mapping) and _has_text(entry.get("email")))
        ]
        for j in blank:
            path: Path = ("attendees", i, "person", "emails", j, "email")
            entry = entries[j]
            typed = isinstance(entry, Mapping) and entry.get("type") is not None
            problems.append(
                (
                    _column(path, columns),
                    f"every attendee needs an email: {format_path(path)} is empty"
                    + (" (its type is set)" if typed else "")
                    + f"; fill it, or empty every attendees[{i}] cell to leave the attendee out",
                )
            )
        if not entries:
            path = ("attendees", i, "person", "emails", 0, "email")
            problems.append(
                (
                    _column(path, columns),
                    f"every attendee needs an email: attendees[{i}] has none; fill "
                    f"{format_path(path)}",
                )
            )
    return problems
