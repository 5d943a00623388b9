"""What the OpenAPI spec says each operation answers: statuses, error body and media types.

The handlers return ready-made responses (JSON already encoded, files streamed), so FastAPI
cannot see their shapes: they are declared here, once, and a schemathesis run in the tests
holds every answer of the running service to them.
"""

from __future__ import annotations

from typing import Any

_ERROR_BODY = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "A clear one-line message."},
        "detail": {"description": "What exactly was wrong (null when nothing more to say)."},
    },
}
_ERROR_CONTENT = {"schema": _ERROR_BODY}
_WHY = {
    400: "The request body cannot be parsed (not JSON).",
    401: "No token, or not a valid one (`Authorization: Bearer <token>`).",
    403: "The token's role may not do this (raw videos need a reviewer token).",
    404: "No such video, or no such file for it.",
    409: "Not now: the video is still in the chain, or the review rulebook refuses the decision.",
    422: "A parameter is malformed or out of range (`detail` names it).",
}
_STATUS = {
    "type": "object",
    "required": ["video_id", "state", "anonymized", "badge", "badge_colour"],
    "properties": {
        "video_id": {"type": "string", "format": "uuid"},
        "state": {"type": "string"},
        "level": {"type": ["string", "null"]},
        "anonymized": {"type": "boolean"},
        "badge": {"type": "string"},
        "badge_colour": {"type": "string"},
        "warning": {"type": ["string", "null"]},
    },
}
_PAGE = {
    "type": "object",
    "required": ["page", "per_page", "total", "pages", "videos"],
    "properties": {
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "total": {"type": "integer", "minimum": 0},
        "pages": {"type": "integer", "minimum": 0},
        "videos": {"type": "array", "items": _STATUS},
    },
}
_AUDIT = {
    "type": "object",
    "required": ["explanation", "events"],
    "properties": {
        "explanation": {"type": "array", "items": {"type": "string"}},
        "events": {"type": "array", "items": {"type": "object"}},
    },
}
_WINDOWS = {
    "type": "object",
    "required": ["all_time", "last_24h", "last_100"],
    "additionalProperties": {"type": "object"},
}
_TEXT = {"type": "string"}
_BINARY = {"type": "string", "format": "binary"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers ``statuses`` with their description and the JSON error body."""
    return {
        status: {
            "description": _WHY[status],
            "content": {"application/json": {"schema": _ERROR_BODY}},
        }
        for status in statuses
    }


def json_answer(schema: dict[str, Any], description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 answer of JSON in ``schema``."""
    return {200: {"description": description, "content": {"application/json": {"schema": schema}}}}


VIDEOS = {**json_answer(_PAGE, "One page of statuses, newest import first."), **errors(401, 422)}
VIDEO = {**json_answer(_STATUS, "The video's status and badge."), **errors(401, 404, 422)}
AUDIT = {**json_answer(_AUDIT, "Plain words first, then every event."), **errors(401, 404, 422)}
METRICS = {**json_answer(_WINDOWS, "The metric windows with their statuses."), **errors(401)}
REPORT = {
    200: {
        "description": "The compliance report in the format asked for (no patient data).",
        "content": {
            "text/csv": {"schema": _TEXT},
            "application/json": {"schema": {"type": "object"}},
            "text/html": {"schema": _TEXT},
        },
    },
    **errors(401, 422),
}
_VIDEO_FILE = {"video/*": {"schema": _BINARY}, "application/octet-stream": {"schema": _BINARY}}
MEDIA = {
    200: {"description": "The video file (raw ones as an attachment).", "content": _VIDEO_FILE},
    206: {
        "description": "The part of the file a `Range` header asked for.",
        "content": _VIDEO_FILE,
    },
    **errors(401, 403, 404, 409, 422),
}
_OBJECT = {"type": "object"}
WHOAMI = {**json_answer(_OBJECT, "The caller's name and role."), **errors(401)}
QUEUE = {**json_answer(_OBJECT, "Videos with their release state."), **errors(401, 422)}
RELEASE = {**json_answer(_OBJECT, "The video's release state."), **errors(401, 404, 422)}
REVIEW = {
    **json_answer(_OBJECT, "The decision as recorded."),
    **errors(400, 401, 403, 404, 409, 422),
}
MEDIA_LINK = {
    **json_answer(_OBJECT, "A signed URL and its lifetime."),
    **errors(401, 403, 404, 422),
}
PROMETHEUS = {
    200: {
        "description": "Every metric in the Prometheus text format.",
        "content": {"text/plain": {"schema": _TEXT}},
    },
    **errors(401),
}
