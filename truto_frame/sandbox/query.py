"""Nested query parameters as Truto reads them (qs style): ``a[b]=c`` objects, ``a[]=x`` lists."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["nested_query"]

_PART = re.compile(r"\[([^\[\]]*)\]")


def nested_query(pairs: Iterable[tuple[str, str]], root: str) -> dict[str, Any]:
    """Rebuild the object sent under ``root`` from its bracketed query keys.

    Parameters
    ----------
    pairs : iterable of (str, str)
        Every query item, in order.
    root : str
        The parameter's name, e.g. ``remote_query``.

    Returns
    -------
    dict
        ``remote_query[a][b]=1&remote_query[c][]=x&remote_query[c][]=y`` gives
        ``{"a": {"b": "1"}, "c": ["x", "y"]}``.

    Examples
    --------
    >>> nested_query([("remote_query[a][b]", "1"), ("remote_query[c][]", "x")], "remote_query")
    {'a': {'b': '1'}, 'c': ['x']}
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if not key.startswith(root + "["):
            continue
        rest = key[len(root) :]
        parts = _PART.findall(rest)
        if not parts or "".join(f"[{p}]" for p in parts) != rest or not parts[0]:
            continue  # not a well-formed bracket path: not ours to read
        target: Any = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            following = None if last else parts[i + 1]
            if part == "":
                if not isinstance(target, list):
                    break
                if last:
                    target.append(value)
                else:
                    target.append({} if following else [])
                    target = target[-1]
                continue
            if not isinstance(target, dict):
                break
            if last:
                target[part] = value
            else:
                default: Any = [] if following == "" else {}
                target = target.setdefault(part, default)
    return out
