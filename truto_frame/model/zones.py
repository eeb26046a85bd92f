"""Time zone names: the IANA names the API takes, and the Windows names users also write.

Outlook and Microsoft Graph users write Windows zone names ("W. Europe Standard Time"); the
unified ``timezone`` field is IANA ("Europe/Berlin"). :func:`iana_zone` maps one to the other
with CLDR's ``windowsZones`` table (each Windows name's territory ``001`` zone), as shipped and
kept current by the ``tzlocal`` package (``tzlocal.windows_tz.win_tz``, generated from CLDR), so
this project carries no copy of the table. :func:`zone_hint` says what to write instead of a
name that is neither.
"""

from __future__ import annotations

import difflib
import zoneinfo
from functools import lru_cache

from tzlocal.windows_tz import win_tz

__all__ = ["WINDOWS_ZONES", "iana_zone", "is_iana_zone", "zone_hint"]

WINDOWS_ZONES: dict[str, str] = dict(win_tz)
"""Windows zone name -> IANA zone name (CLDR ``windowsZones``, territory ``001``)."""

# Windows names compared without case or surrounding spaces, as people type them.
_WINDOWS_FOLDED = {name.casefold(): iana for name, iana in WINDOWS_ZONES.items()}


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def is_iana_zone(name: str) -> bool:
    """Say whether ``name`` is an IANA zone this machine knows (always True without a database).

    Parameters
    ----------
    name : str
        A zone name as written.

    Returns
    -------
    bool
    """
    names = _iana_names()
    # Without a time zone database (Windows without tzdata) we cannot judge: let the API do it.
    return name in names or names == {"UTC"}


def iana_zone(name: str) -> str | None:
    """The IANA name for a zone name: itself when IANA, the mapped one when Windows.

    Parameters
    ----------
    name : str
        ``"Europe/Berlin"`` or ``"W. Europe Standard Time"``.

    Returns
    -------
    str or None
        The IANA name, or ``None`` when the name is neither.

    Examples
    --------
    >>> iana_zone("W. Europe Standard Time")
    'Europe/Berlin'
    >>> iana_zone("Europe/Berlin")
    'Europe/Berlin'
    """
    return _iana_zone(name)


@lru_cache(maxsize=512)
def _iana_zone(name: str) -> str | None:
    # Cached per name: every row of a plan that sets ``timezone`` is validated through here.
    if is_iana_zone(name):
        return name
    return _WINDOWS_FOLDED.get(name.strip().casefold())


def zone_hint(name: str) -> str:
    """Say what to write instead of an unknown zone name (the message of a problem).

    Parameters
    ----------
    name : str
        The unknown name.

    Returns
    -------
    str
        ``unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?); ...``
    """
    known = sorted(_iana_names() | set(WINDOWS_ZONES))
    close = difflib.get_close_matches(name.strip(), known, n=1, cutoff=0.75)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown time zone {name!r}{guess}; write an IANA name such as 'Europe/Berlin' or "
        "'America/New_York' (Windows names such as 'W. Europe Standard Time' are translated)"
    )
