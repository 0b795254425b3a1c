"""Domain errors raised by services; views turn them into form messages, API errors or CLI exits."""
from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. ``code`` is stable (API error code); ``message`` is for people."""

    code = "rule_broken"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    @property
    def fields(self) -> dict[str, str]:
        return {self.field: self.message} if self.field else {}


class InvalidInput(DomainError):
    code = "invalid"
    status = 400


class Conflict(DomainError):
    code = "conflict"
    status = 409


class NotFound(DomainError):
    code = "not_found"
    status = 404


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403


class TooManyAttempts(DomainError):
    code = "rate_limited"
    status = 429
