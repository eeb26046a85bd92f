"""Where the API token and base URL come from, and how the token stays out of logs.

The token comes from an argument or ``TRUTO_API_TOKEN``, is looked up once
(:func:`find_token`, or :func:`resolve_token` where one is required) and travels as a
:class:`Secret` until the client builds the ``Authorization`` header; a missing one always
raises with :data:`NO_TOKEN`. The base URL comes from an argument, ``TRUTO_API_BASE_URL``, or
Truto's. :func:`guard_logs` registers a token with a logging filter
on the ``httpx`` and ``httpcore`` loggers (httpcore logs response headers at DEBUG, so a server
echoing the token would otherwise print it) and :func:`redact` removes it from text.
"""

from __future__ import annotations

import logging
import os
from typing import Final

from ..errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "NO_TOKEN",
    "Secret",
    "find_token",
    "guard_logs",
    "redact",
    "require_token",
    "resolve_base_url",
    "resolve_token",
]

DEFAULT_BASE_URL: Final = "https://api.truto.one"
REDACTED: Final = "[redacted]"
NO_TOKEN: Final = (
    "no API token: set the TRUTO_API_TOKEN environment variable or pass token= "
    "(--token-file on the command line); truto-frame's own emulator (truto-frame sandbox) "
    "accepts 'sandbox-token', Truto's API does not"
)
"""The one message for a missing token, wherever it is found missing."""


class Secret:
    """A string that never shows itself: ``repr``, ``str`` and ``vars`` of holders hide it.

    Parameters
    ----------
    value : str
        The secret; read it with :attr:`value` where it is really needed.
    """

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("a Secret cannot be pickled")


# Filters do not inherit down the logger tree, so each emitting logger gets one.
_GUARDED_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "truto_frame.api.client",
)
_SECRETS: set[str] = set()


class _RedactSecrets(logging.Filter):
    """Replace any known token in a log record; runs only for records that are emitted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            if any(secret in message for secret in _SECRETS):
                for secret in _SECRETS:
                    message = message.replace(secret, REDACTED)
                record.msg, record.args = message, None
        return True


_FILTER: Final = _RedactSecrets()


def guard_logs(token: Secret) -> None:
    """Redact ``token`` from every record of the ``httpx``/``httpcore`` loggers from now on.

    Parameters
    ----------
    token : Secret
        The secret.
    """
    _SECRETS.add(token.value)
    for name in _GUARDED_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def redact(text: str, token: Secret) -> str:
    """``text`` with every occurrence of ``token`` replaced by ``[redacted]``.

    Parameters
    ----------
    text : str
        Untrusted text (a response body, an exception message).
    token : Secret
        The secret.

    Returns
    -------
    str
        The text, unchanged when the token is absent.
    """
    value = token.value
    return text.replace(value, REDACTED) if value and value in text else text


def find_token(token: str | Secret | None = None) -> Secret | None:
    """The API token: the argument, else the environment variable ``TRUTO_API_TOKEN``.

    Parameters
    ----------
    token : str or Secret, optional
        An explicit token (a :class:`Secret` is taken as already resolved).

    Returns
    -------
    Secret or None
        The token, stripped; ``None`` when neither gives a non-empty one (a plan can be built
        and previewed without a token).
    """
    if isinstance(token, Secret):
        return token
    value = token if token is not None else os.environ.get("TRUTO_API_TOKEN")
    if not isinstance(value, str) or not value.strip():
        return None
    return Secret(value.strip())


def resolve_token(token: str | Secret | None = None) -> Secret:
    """The API token, required: like :func:`find_token`, but a missing one raises.

    Parameters
    ----------
    token : str or Secret, optional
        An explicit token.

    Returns
    -------
    Secret
        The token.

    Raises
    ------
    ConfigurationError
        With :data:`NO_TOKEN`, when neither gives a non-empty token.
    """
    found = find_token(token)
    if found is None:
        raise ConfigurationError(NO_TOKEN)
    return found


def require_token(token: Secret | None) -> Secret:
    """A token already looked up (a plan's), which a request now needs.

    Parameters
    ----------
    token : Secret or None
        The token :func:`find_token` gave earlier.

    Returns
    -------
    Secret
        The same token.

    Raises
    ------
    ConfigurationError
        With :data:`NO_TOKEN`, when there is none.
    """
    if token is None:
        raise ConfigurationError(NO_TOKEN)
    return token


def resolve_base_url(base_url: str | None = None) -> str:
    """The API base URL: the argument, else ``TRUTO_API_BASE_URL``, else Truto's.

    Parameters
    ----------
    base_url : str, optional
        An explicit base URL (e.g. a sandbox on ``http://127.0.0.1:8787``).

    Returns
    -------
    str
        The URL without a trailing slash.

    Raises
    ------
    ConfigurationError
        When the URL is not ``http(s)://``.
    """
    value = base_url or os.environ.get("TRUTO_API_BASE_URL") or DEFAULT_BASE_URL
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigurationError(f"base_url must start with http:// or https://, not {value!r}")
    return value
