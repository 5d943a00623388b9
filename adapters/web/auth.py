"""Bearer-token authentication with two roles, configured by environment.

``ENDOVEIL_VIEWER_TOKENS`` and ``ENDOVEIL_REVIEWER_TOKENS`` hold comma-separated tokens. A
viewer may read statuses, metrics, reports and anonymized videos; a reviewer may also fetch
raw (not anonymized) videos. No token, no data: with no tokens configured every call is 401.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.settings import Settings
from adapters.web.errors import ApiError


class Role(IntEnum):
    """What a caller may do; a higher role may do everything a lower one may."""

    VIEWER = 1
    REVIEWER = 2


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token.strip() for token in text.split(",") if token.strip())


@dataclass(frozen=True)
class TokenAuth:
    """The configured tokens of each role."""

    viewers: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenAuth:
        """The tokens of ``ENDOVEIL_VIEWER_TOKENS`` and ``ENDOVEIL_REVIEWER_TOKENS``."""
        return cls(_tokens(settings.viewer_tokens), _tokens(settings.reviewer_tokens))

    @property
    def configured(self) -> bool:
        """Whether any token is configured at all."""
        return bool(self.viewers or self.reviewers)

    def role_of(self, token: str) -> Role | None:
        """The highest role ``token`` grants, or None.

        Every configured token is compared, in constant time each, so the answer's timing
        does not tell which token (or how much of one) matched.
        """
        given = token.encode()
        role: Role | None = None
        for candidates, grants in ((self.viewers, Role.VIEWER), (self.reviewers, Role.REVIEWER)):
            for candidate in candidates:
                if hmac.compare_digest(candidate.encode(), given):
                    role = grants if role is None else max(role, grants)
        return role


_bearer = HTTPBearer(auto_error=False, description="A viewer or reviewer token.")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def caller_role(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Role:
    """The FastAPI dependency: the caller's role, from ``app.state.auth``; else 401."""
    auth: TokenAuth = request.app.state.auth
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "authentication required", "send 'Authorization: Bearer <token>'",
                       _CHALLENGE)  # fmt: skip
    role = auth.role_of(credentials.credentials)
    if role is None:
        raise ApiError(401, "invalid token", None, _CHALLENGE)
    return role


#: A parameter of this type admits any caller with a valid token and says which role it has.
CallerRole = Annotated[Role, Depends(caller_role)]
