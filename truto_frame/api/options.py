"""The query options of a Unified Calendar request, and how they go on the wire.

:class:`RequestOptions` holds the options a whole run shares (validated once, at construction)
and :func:`encode_query` turns them into the ``(key, value)`` pairs Truto expects::

    integrated_account_id=<id>
    send_notifications=all|external_only|none      only when given
    truto_response_format=unified|raw|normalized|stream
    truto_ignore_remote_data=true                  only when true
    truto_exclude_fields[]=<field>                 once per field
    remote_query[<key>]=<value>                    once per key, passed to the provider untouched

``truto_response_format`` is **always** sent, the default ``unified`` included: the results
frame parses the response according to the format, so the request states the format it relies
on instead of trusting the server's default. Booleans are spelled ``true``/``false`` and no value
is ever ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from ..errors import ConfigurationError

__all__ = [
    "RESPONSE_FORMATS",
    "SEND_NOTIFICATIONS",
    "RequestOptions",
    "encode_query",
]

SEND_NOTIFICATIONS: Final = ("all", "external_only", "none")
"""Accepted values of ``send_notifications`` (``None`` means: do not send the parameter)."""

RESPONSE_FORMATS: Final = ("unified", "raw", "normalized", "stream")
"""Accepted values of ``truto_response_format``; ``unified`` is Truto's default."""

QueryValue = str | bool | int | float


def _query_text(value: Any, what: str) -> str:
    # bool before int: True is an int too, and must read "true", not "1".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    raise ConfigurationError(
        f"{what} must be a string, number or boolean, not {type(value).__name__}"
    )


@dataclass(frozen=True)
class RequestOptions:
    """Query options shared by every request of a run.

    Parameters
    ----------
    send_notifications : {"all", "external_only", "none"} or None
        Whether the provider emails attendees (Google family only). ``None`` leaves the
        parameter out, so the provider's default applies.
    response_format : {"unified", "raw", "normalized", "stream"}
        ``truto_response_format``: the shape of the response body.
    ignore_remote_data : bool
        ``truto_ignore_remote_data``: leave the provider's object out of the response.
    exclude_fields : iterable of str
        ``truto_exclude_fields[]``: response fields to leave out. A single string is taken as
        one field name. Stored as a tuple.
    remote_query : mapping of str to str, bool, number, mapping or list
        ``remote_query[key]=value``, passed to the provider untouched. Booleans become
        ``true``/``false``; ``None`` values are refused. A nested mapping is sent as
        ``remote_query[a][b]=value``, a list as ``remote_query[a][]=x`` once per item. Stored
        read-only: text values, read-only mappings and tuples.

    Raises
    ------
    ConfigurationError
        When a value is not one of those accepted.

    Examples
    --------
    >>> RequestOptions(send_notifications="none", exclude_fields=["remote_data"])
    RequestOptions(send_notifications='none', response_format='unified', ...)
    """

    send_notifications: str | None = None
    response_format: str = "unified"
    ignore_remote_data: bool = False
    exclude_fields: tuple[str, ...] = ()
    # Not part of the hash: a mapping is not hashable, and equal options hash equal anyway.
    remote_query: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.send_notifications is not None and self.send_notifications not in (
            SEND_NOTIFICATIONS
        ):
            raise ConfigurationError(
                f"send_notifications must be one of {', '.join(SEND_NOTIFICATIONS)} or None, "
                f"not {self.send_notifications!r}"
            )
        if self.response_format not in RESPONSE_FORMATS:
            raise ConfigurationError(
                f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, "
                f"not {self.response_format!r}"
            )
        if not isinstance(self.ignore_remote_data, bool):
            raise ConfigurationError(
                f"ignore_remote_data must be True or False, not {self.ignore_remote_data!r}"
            )
        object.__setattr__(self, "exclude_fields", _field_names(self.exclude_fields))
        object.__setattr__(self, "remote_query", _remote_query(self.remote_query))

    def __repr__(self) -> str:
        return (
            f"RequestOptions(send_notifications={self.send_notifications!r}, "
            f"response_format={self.response_format!r}, "
            f"ignore_remote_data={self.ignore_remote_data!r}, "
            f"exclude_fields={self.exclude_fields!r}, "
            f"remote_query={_plain(self.remote_query)!r})"
        )


def _field_names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise ConfigurationError(
            f"exclude_fields must be a list of field names, not {type(value).__name__}"
        )
    names = tuple(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise ConfigurationError(
                f"exclude_fields must hold non-empty field names, found {name!r}"
            )
    return names


def _remote_query(value: Any) -> Mapping[str, Any]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"remote_query must be a mapping of key to value, not {type(value).__name__}"
        )
    return _remote_mapping(value, "remote_query")


def _remote_mapping(value: Mapping[Any, Any], where: str) -> Mapping[str, Any]:
    encoded: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise ConfigurationError(f"{where} keys must be non-empty strings, not {key!r}")
        encoded[key] = _remote_value(item, f"{where}[{key}]")
    return MappingProxyType(encoded)


def _remote_value(value: Any, where: str) -> Any:
    if value is None:
        raise ConfigurationError(f"{where} is None; leave the key out instead of sending None")
    if isinstance(value, Mapping):
        return _remote_mapping(value, where)
    if isinstance(value, (list, tuple)):
        return tuple(_remote_value(item, f"{where}[]") for item in value)
    return _query_text(value, where)


def _remote_pairs(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    # Objects as a[b]=c and arrays as a[]=x, as Truto (qs) reads a query string.
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _remote_pairs(f"{prefix}[{key}]", item)
    elif isinstance(value, tuple):
        for item in value:
            yield from _remote_pairs(f"{prefix}[]", item)
    else:
        yield prefix, value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def encode_query(
    integrated_account_id: str,
    options: RequestOptions | None = None,
    extra: Mapping[str, QueryValue | None] | Iterable[tuple[str, QueryValue | None]] | None = None,
) -> list[tuple[str, str]]:
    """Encode the query string of one request, exactly as Truto expects it.

    Parameters
    ----------
    integrated_account_id : str
        The integrated account the request acts on (required by every Unified API call).
    options : RequestOptions, optional
        The shared options; the defaults when omitted.
    extra : mapping or iterable of (key, value), optional
        Further parameters appended as given (e.g. ``calendar[id]``, ``next_cursor``);
        entries whose value is ``None`` are left out and booleans become ``true``/``false``.

    Returns
    -------
    list of (str, str)
        The pairs in a stable order, ready for ``httpx``'s ``params=``. Repeated keys
        (``truto_exclude_fields[]``) appear once per value.

    Raises
    ------
    ConfigurationError
        When the account id is empty or an extra value has an unsupported type.

    Examples
    --------
    >>> encode_query("acc-1", RequestOptions(exclude_fields=("remote_data",)))
    [('integrated_account_id', 'acc-1'), ('truto_response_format', 'unified'), \
('truto_exclude_fields[]', 'remote_data')]
    """
    if not isinstance(integrated_account_id, str) or not integrated_account_id.strip():
        raise ConfigurationError(
            f"integrated_account_id must be a non-empty string, not {integrated_account_id!r}"
        )
    opts = options if options is not None else _DEFAULT
    pairs = [("integrated_account_id", integrated_account_id)]
    if opts.send_notifications is not None:
        pairs.append(("send_notifications", opts.send_notifications))
    pairs.append(("truto_response_format", opts.response_format))
    if opts.ignore_remote_data:
        pairs.append(("truto_ignore_remote_data", "true"))
    pairs.extend(("truto_exclude_fields[]", name) for name in opts.exclude_fields)
    pairs.extend(_remote_pairs("remote_query", opts.remote_query))
    if extra is not None:
        items = extra.items() if isinstance(extra, Mapping) else extra
        pairs.extend((key, _query_text(value, key)) for key, value in items if value is not None)
    return pairs


_DEFAULT: Final = RequestOptions()
