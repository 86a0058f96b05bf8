"""One error type, one handler: every failure leaves in the contract's envelope."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .call import wsgi_text
from .envelopes import Reply, json_response
from .store import LeadNotFound


class ApiError(Exception):
    """An error response: status, code, a short human message and details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"success": False, "error": self.message, "code": self.code, "details": self.details}


def lead_not_found(lead_id: str) -> ApiError:
    """The seed's 404, word for word."""
    details = {"leadId": lead_id, "message": "No lead found with this ID in your workspace"}
    return ApiError(404, "LEAD_NOT_FOUND", "Lead not found", details)


def validation_error(errors: list[dict[str, str]]) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Validation failed", {"errors": errors})


def unauthorized(reason: str) -> ApiError:
    return ApiError(401, "UNAUTHORIZED", reason, headers={"WWW-Authenticate": 'Bearer realm="leads"'})


def payload_too_large(limit: int) -> ApiError:
    return ApiError(413, "PAYLOAD_TOO_LARGE", f"Request body is larger than {limit} bytes", {"maxBytes": limit})


def render(error: ApiError) -> Reply:
    return json_response(error.body(), error.status, error.headers)


def error_reply(error: Exception, method: str, path: str, logger: logging.Logger) -> Reply:
    """The handler: any exception a request raised, as the envelope (an unexpected one logged, a 500)."""
    if isinstance(error, ApiError):
        return render(error)
    if isinstance(error, LeadNotFound):
        return render(lead_not_found(error.lead_id))
    if isinstance(error, HTTPException):
        return render(_http_error(error))
    logger.error("Unhandled error on %s %s", method, path, exc_info=error)
    return render(ApiError(500, "INTERNAL_ERROR", "Internal server error"))


def _http_error(error: HTTPException) -> ApiError:
    """One of Werkzeug's errors as ours: its status, its name as the code."""
    code = (error.name or "Error").upper().replace(" ", "_").replace("'", "")
    return ApiError(error.code or 500, code, error.description or error.name or "Error")


def _from_http(error: HTTPException) -> Reply:
    """Flask's own errors (404, 405, 413, ...) in our envelope, never HTML."""
    if error.code == 404:
        # As received: Werkzeug's `request.path` merges leading slashes (`//api/v1/leads`
        # would read as a route that exists).
        return render(ApiError(404, "NOT_FOUND", "No such route", {"path": wsgi_text(request.environ.get("PATH_INFO", ""))}))
    if isinstance(error, MethodNotAllowed):
        allowed = sorted(set(error.valid_methods or ()) - {"HEAD", "OPTIONS"})
        details = {"method": request.method, "allowed": allowed}
        headers = {"Allow": ", ".join(allowed)}
        return render(ApiError(405, "METHOD_NOT_ALLOWED", "Method not allowed", details, headers))
    if error.code == 413:
        return render(payload_too_large(request.max_content_length or 0))
    return render(_http_error(error))


def _from_flask(error: Exception) -> Reply:
    return error_reply(error, request.method, request.path, current_app.logger)


def register_error_handlers(app: Flask) -> None:
    """For the routes Flask serves (admin, docs, unknown paths); api.py calls `error_reply` itself."""
    app.register_error_handler(HTTPException, _from_http)
    app.register_error_handler(Exception, _from_flask)
