"""Bearer-token authentication with two roles, configured by environment.

``ENDOVEIL_VIEWER_TOKENS`` and ``ENDOVEIL_REVIEWER_TOKENS`` hold comma-separated tokens, each
``name:token`` (the name is recorded as who saw a raw file, decided or exported) or a bare token
(then named by role and position: ``reviewer-1``). A viewer may read statuses, metrics, reports
and anonymized videos; a reviewer may also fetch raw (not anonymized) videos and decide on
releases. No token, no data: with no tokens configured every call is 401.
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
class Caller:
    """Who is calling: the holder's name (never the token) and the role the token grants."""

    name: str
    role: Role


def holder_and_token(entry: str, role: Role, position: int) -> tuple[str, str]:
    """Split a configured ``name:token`` entry; a bare token is named ``<role>-<position>``."""
    name, colon, token = entry.partition(":")
    if colon and name.strip() and token.strip():
        return name.strip(), token.strip()
    return f"{role.name.lower()}-{position}", entry


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
        """The highest role ``token`` grants, or None."""
        caller = self.caller_of(token)
        return caller.role if caller else None

    def caller_of(self, token: str) -> Caller | None:
        """Who holds ``token`` and the highest role it grants, or None.

        Every configured token is compared, in constant time each, so the answer's timing
        does not tell which token (or how much of one) matched.
        """
        given = token.encode()
        found: Caller | None = None
        for candidates, grants in ((self.viewers, Role.VIEWER), (self.reviewers, Role.REVIEWER)):
            for position, entry in enumerate(candidates, start=1):
                name, candidate = holder_and_token(entry, grants, position)
                if hmac.compare_digest(candidate.encode(), given) and (
                    found is None or grants > found.role
                ):
                    found = Caller(name, grants)
        return found


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


def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The FastAPI dependency: who calls (for the who-saw-what events); else 401."""
    caller_role(request, credentials)  # the same refusals
    auth: TokenAuth = request.app.state.auth
    assert credentials is not None  # caller_role refused a missing one
    caller = auth.caller_of(credentials.credentials)
    assert caller is not None
    return caller


#: A parameter of this type is the authenticated caller, by name and role.
CurrentCaller = Annotated[Caller, Depends(current_caller)]


#: A parameter of this type admits any caller with a valid token and says which role it has.
CallerRole = Annotated[Role, Depends(caller_role)]
