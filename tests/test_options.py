"""Tests for truto_frame.api.options: validation and the query string on the wire."""

from __future__ import annotations

import httpx
import pytest

from truto_frame.api.options import RequestOptions, encode_query
from truto_frame.errors import ConfigurationError


def test_defaults_send_account_and_format_only() -> None:
    assert encode_query("acc-1") == [
        ("integrated_account_id", "acc-1"),
        ("truto_response_format", "unified"),
    ]


def test_every_option_encoded_in_order() -> None:
    options = RequestOptions(
        send_notifications="none",
        response_format="raw",
        ignore_remote_data=True,
        exclude_fields=["remote_data", "attendees"],
        remote_query={"sendUpdates": "none", "supportsAttachments": True, "max": 5},
    )
    assert encode_query("acc-1", options) == [
        ("integrated_account_id", "acc-1"),
        ("send_notifications", "none"),
        ("truto_response_format", "raw"),
        ("truto_ignore_remote_data", "true"),
        ("truto_exclude_fields[]", "remote_data"),
        ("truto_exclude_fields[]", "attendees"),
        ("remote_query[sendUpdates]", "none"),
        ("remote_query[supportsAttachments]", "true"),
        ("remote_query[max]", "5"),
    ]


def test_false_ignore_remote_data_and_none_notifications_are_omitted() -> None:
    keys = [key for key, _ in encode_query("a", RequestOptions(send_notifications=None))]
    assert "send_notifications" not in keys
    assert "truto_ignore_remote_data" not in keys


def test_extra_skips_none_and_spells_booleans() -> None:
    pairs = encode_query("a", None, {"calendar[id]": None, "next_cursor": "c1", "flag": False})
    assert pairs[-2:] == [("next_cursor", "c1"), ("flag", "false")]
    assert all(value is not None for _, value in pairs)


def test_encoding_on_the_wire() -> None:
    options = RequestOptions(exclude_fields=("a", "b"), remote_query={"q": "x y&z"})
    request = httpx.Request("GET", "https://h/x", params=encode_query("acc", options))
    assert request.url.params.get_list("truto_exclude_fields[]") == ["a", "b"]
    assert request.url.params["remote_query[q]"] == "x y&z"
    assert b"None" not in request.url.raw_path


def test_single_string_exclude_fields_is_one_field() -> None:
    assert RequestOptions(exclude_fields="remote_data").exclude_fields == ("remote_data",)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"send_notifications": "everyone"}, "send_notifications must be one of"),
        ({"response_format": "xml"}, "response_format must be one of"),
        ({"ignore_remote_data": "yes"}, "ignore_remote_data must be True or False"),
        ({"exclude_fields": [""]}, "non-empty field names"),
        ({"exclude_fields": [3]}, "non-empty field names"),
        ({"exclude_fields": 3}, "list of field names"),
        ({"remote_query": {"k": None}}, "remote_query[k] is None"),
        # Nested objects and lists are sent (issue 9); what they hold is still checked.
        ({"remote_query": {"k": {"nested": None}}}, "remote_query[k][nested] is None"),
        ({"remote_query": {"k": [object()]}}, "remote_query[k][] must be a string"),
        ({"remote_query": ["k"]}, "mapping of key to value"),
        ({"remote_query": {1: "v"}}, "keys must be non-empty strings"),
    ],
)
def test_invalid_options_raise_configuration_error(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=None) as info:
        RequestOptions(**kwargs)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("account", ["", "   ", None])
def test_empty_account_refused(account: object) -> None:
    with pytest.raises(ConfigurationError, match="integrated_account_id"):
        encode_query(account, RequestOptions())  # type: ignore[arg-type]


def test_options_frozen_hashable_and_remote_query_read_only() -> None:
    options = RequestOptions(remote_query={"a": "1"})
    assert hash(options) == hash(RequestOptions(remote_query={"a": "1"}))
    assert options == RequestOptions(remote_query={"a": "1"})
    with pytest.raises(TypeError):
        options.remote_query["b"] = "2"  # type: ignore[index]
    with pytest.raises(AttributeError):
        options.response_format = "raw"  # type: ignore[misc]
    assert "remote_query={'a': '1'}" in repr(options)


def test_remote_query_nested_objects_and_lists_go_out_as_brackets() -> None:
    options = RequestOptions(
        remote_query={"a": {"b": 1, "c": {"d": True}}, "ids": ["x", "y"], "q": "plain"}
    )
    pairs = encode_query("acc", options)
    assert [p for p in pairs if p[0].startswith("remote_query")] == [
        ("remote_query[a][b]", "1"),
        ("remote_query[a][c][d]", "true"),
        ("remote_query[ids][]", "x"),
        ("remote_query[ids][]", "y"),
        ("remote_query[q]", "plain"),
    ]
    assert "remote_query={'a': {'b': '1', 'c': {'d': 'true'}}, 'ids': ['x', 'y']" in repr(options)
    with pytest.raises(TypeError):
        options.remote_query["a"]["b"] = "2"  # read-only all the way down


def test_update_events_takes_a_single_exclude_field_as_one_field() -> None:
    import pandas as pd

    from truto_frame.planning.build import build_plan

    plan = build_plan(
        pd.DataFrame({"id": ["e"], "calendar.id": ["c"], "title": ["T"]}),
        integrated_account_id="acc",
        exclude_fields="remote_data",
        remote_query={"a": {"b": 1}},
    )
    assert plan.options.exclude_fields == ("remote_data",)
    assert ("remote_query[a][b]", "1") in encode_query("acc", plan.options)
