"""The request shape of events: current values pruned and typed as an update body holds them.

A response holds keys an update rejects (``extra="forbid"``), and a baseline read back from CSV
holds text (``"False"``) where a validated row holds a bool. :func:`with_request_types` gives a
baseline event the request schema's shape and types once, so that
:mod:`truto_frame.planning.baseline` compares it with a row (and sends its values back) as it is.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import pydantic

from ..model.schema import EventUpdate, payload_from_model

__all__ = ["field_model", "request_shape", "with_request_types"]


def _submodel(annotation: Any) -> type[pydantic.BaseModel] | None:
    # The pydantic model inside `Location | None` or `list[Attendee] | None`, if any.
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _submodel(arg)
            if found is not None:
                return found
    return None


_FIELD_MODELS: dict[str, type[pydantic.BaseModel] | None] = {
    name: _submodel(field.annotation) for name, field in EventUpdate.model_fields.items()
}


def field_model(field: str) -> type[pydantic.BaseModel] | None:
    """The pydantic model a top-level update field holds (``Location`` for ``location``).

    Parameters
    ----------
    field : str
        A top-level update field.

    Returns
    -------
    type or None
        The model of the object (or of the list's items); ``None`` for a scalar field, or a
        name the request schema does not have.
    """
    return _FIELD_MODELS.get(field)


def request_shape(field: str, value: Any) -> Any:
    """Keep only the parts of a current value that an update body may carry.

    Responses hold keys an update rejects (``extra="forbid"``); a value taken from the current
    event must be pruned to the request schema before it is compared or sent.

    Parameters
    ----------
    field : str
        A top-level update field (``"location"``...).
    value : Any
        Its current value.

    Returns
    -------
    Any
        The value with unknown object keys removed at every depth; scalars as they are.
    """
    model = _FIELD_MODELS.get(field)
    return _prune(value, model) if model is not None else value


def _fields_of(model: type[pydantic.BaseModel]) -> dict[str, type[pydantic.BaseModel] | None]:
    # Field name -> its sub-model, worked out once per model: pruning runs for every value
    # of every baseline event, and walking the annotations each time was most of a plan's time.
    fields = _MODEL_FIELDS.get(model)
    if fields is None:
        fields = {name: _submodel(f.annotation) for name, f in model.model_fields.items()}
        _MODEL_FIELDS[model] = fields
    return fields


_MODEL_FIELDS: dict[type[pydantic.BaseModel], dict[str, type[pydantic.BaseModel] | None]] = {}


def _prune(value: Any, model: type[pydantic.BaseModel]) -> Any:
    # Exact types first: this runs for every value of every baseline event, and the abstract
    # Mapping check is slow next to a type comparison.
    kind = type(value)
    if kind is list or (kind is not dict and isinstance(value, list)):
        return [_prune(item, model) for item in value]
    if kind is not dict and not isinstance(value, Mapping):
        return value
    fields = _fields_of(model)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in fields:
            continue
        sub = fields[key]
        out[key] = _prune(item, sub) if sub is not None else item
    return out


def with_request_types(event: dict[str, Any]) -> dict[str, Any]:
    """Give an event's update fields the request schema's shape and types (the rest as it is).

    The one place a baseline event is pruned to request shape: every event a plan stores as a
    baseline (from a frame, a GET, a re-read or a response) comes through here once, so the
    code that compares with it or sends its values back uses it as it is.

    Parameters
    ----------
    event : dict
        A current event (from a frame or a GET).

    Returns
    -------
    dict
        A new dict: response-only keys inside ``calendar``, ``location``, ``attendees``... are
        gone (:func:`request_shape`), ``"False"`` read back from CSV is ``False``, and so on.
    """
    # A baseline read back from CSV holds text ("False", "40.7142"); give its update fields the
    # types a validated row has, so that equal values compare equal. A field that does not
    # validate keeps its pruned value (it then differs, and the row's value is sent).
    fields = {f: request_shape(f, event[f]) for f in _FIELD_MODELS if event.get(f) is not None}
    try:
        typed = payload_from_model(EventUpdate.model_validate(fields))
    except pydantic.ValidationError:
        typed = {}
        for field, value in fields.items():
            try:
                typed.update(payload_from_model(EventUpdate.model_validate({field: value})))
            except pydantic.ValidationError:
                typed[field] = value
    return {**event, **typed}
