"""Assertions on the JSON API's error format (API.md: ``{"error": {"code", "message", "fields"}}``)."""
from __future__ import annotations

API = "/api/v1"


def assert_api_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The response is a JSON error of ``status`` (and ``code``) naming at least ``fields``; returns it."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    missing = set(fields) - set(error["fields"])
    assert not missing, f"fields {missing} not named in {error['fields']}"
    return error
