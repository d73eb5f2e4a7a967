"""Share links and personal API tokens.

A raw token is returned once, when it is created; only its SHA-256 digest is stored, so a copy
of the database gives no working links or tokens. Both can expire and be revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from optunagui.store._types import UTCDateTime
from optunagui.store.tables import Base, User

__all__ = [
    "API_TOKEN_PREFIX",
    "API_TOKEN_SCOPES",
    "DEFAULT_SHARE_LINK_LIFETIME",
    "MAX_LABEL_LENGTH",
    "AccountsError",
    "ApiToken",
    "ApiTokenInfo",
    "ShareLink",
    "ShareLinkInfo",
    "ShareLinkResolution",
    "create_api_token",
    "create_share_link",
    "list_api_tokens",
    "list_share_links",
    "resolve_api_token",
    "resolve_share_link",
    "revoke_api_token",
    "revoke_share_link",
]

MAX_LABEL_LENGTH = 100
DEFAULT_SHARE_LINK_LIFETIME = timedelta(days=7)
MAX_LIFETIME = timedelta(days=366)
API_TOKEN_PREFIX = "ogt_"
_MAX_RAW_TOKEN_LENGTH = 256

ShareStatus = Literal["valid", "expired", "revoked", "unknown"]
TokenScope = Literal["read", "read-write"]
API_TOKEN_SCOPES: tuple[TokenScope, ...] = ("read", "read-write")


class AccountsError(ValueError):
    """A share link or token request that cannot be honoured (bad label, bad lifetime)."""


class ShareLink(Base):
    __tablename__ = "share_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(MAX_LABEL_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(MAX_LABEL_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(String(16), server_default="read-write")


@dataclass(frozen=True)
class ShareLinkInfo:
    id: int
    experiment_id: int
    label: str
    created_by_id: int | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: ShareStatus


@dataclass(frozen=True)
class ShareLinkResolution:
    status: ShareStatus
    link: ShareLinkInfo | None


@dataclass(frozen=True)
class ApiTokenInfo:
    id: int
    user_id: int
    label: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    scope: str = "read-write"

    @property
    def may_write(self) -> bool:
        return self.scope == "read-write"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or _now()
        return self.revoked_at is None and (
            self.expires_at is None or _aware(self.expires_at) > now
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def _clean_label(label: str | None, default: str) -> str:
    text = " ".join((label or "").split())
    if len(text) > MAX_LABEL_LENGTH:
        raise AccountsError(f"The label is too long (at most {MAX_LABEL_LENGTH} characters).")
    return text or default


def _check_lifetime(lifetime: timedelta) -> None:
    if lifetime <= timedelta(0):
        raise AccountsError("The lifetime must be positive.")
    if lifetime > MAX_LIFETIME:
        raise AccountsError(f"The lifetime can be at most {MAX_LIFETIME.days} days.")


def _share_status(link: ShareLink, now: datetime) -> ShareStatus:
    if link.revoked_at is not None:
        return "revoked"
    if _aware(link.expires_at) <= now:
        return "expired"
    return "valid"


def _share_info(link: ShareLink, now: datetime) -> ShareLinkInfo:
    return ShareLinkInfo(
        id=link.id,
        experiment_id=link.experiment_id,
        label=link.label,
        created_by_id=link.created_by_id,
        created_at=_aware(link.created_at),
        expires_at=_aware(link.expires_at),
        revoked_at=_aware(link.revoked_at) if link.revoked_at else None,
        status=_share_status(link, now),
    )


def _token_info(token: ApiToken) -> ApiTokenInfo:
    return ApiTokenInfo(
        id=token.id,
        user_id=token.user_id,
        label=token.label,
        prefix=token.token_prefix,
        created_at=_aware(token.created_at),
        expires_at=_aware(token.expires_at) if token.expires_at else None,
        revoked_at=_aware(token.revoked_at) if token.revoked_at else None,
        last_used_at=_aware(token.last_used_at) if token.last_used_at else None,
        scope=token.scope,
    )


def create_share_link(
    session: Session,
    experiment_id: int,
    *,
    created_by_id: int | None,
    label: str | None = None,
    lifetime: timedelta = DEFAULT_SHARE_LINK_LIFETIME,
    now: datetime | None = None,
) -> tuple[ShareLinkInfo, str]:
    """Create a read-only link to one experiment.

    Returns:
        The link and its raw token; the raw token is not stored and cannot be shown again.
    """
    _check_lifetime(lifetime)
    now = now or _now()
    raw_token = secrets.token_urlsafe(32)
    link = ShareLink(
        experiment_id=experiment_id,
        label=_clean_label(label, "Share link"),
        token_hash=_digest(raw_token),
        created_by_id=created_by_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(link)
    session.flush()
    return _share_info(link, now), raw_token


def resolve_share_link(
    session: Session, raw_token: str, *, now: datetime | None = None
) -> ShareLinkResolution:
    """Look a raw token up: valid, expired, revoked, or unknown (never issued, or altered)."""
    if not isinstance(raw_token, str) or not raw_token or len(raw_token) > _MAX_RAW_TOKEN_LENGTH:
        return ShareLinkResolution("unknown", None)
    now = now or _now()
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == _digest(raw_token)))
    if link is None:
        return ShareLinkResolution("unknown", None)
    info = _share_info(link, now)
    return ShareLinkResolution(info.status, info if info.status == "valid" else None)


def list_share_links(
    session: Session, experiment_id: int, *, now: datetime | None = None
) -> list[ShareLinkInfo]:
    """The experiment's links, newest first, each with its current status."""
    now = now or _now()
    links = session.scalars(
        select(ShareLink)
        .where(ShareLink.experiment_id == experiment_id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    )
    return [_share_info(link, now) for link in links]


def revoke_share_link(
    session: Session, link_id: int, *, experiment_id: int, now: datetime | None = None
) -> bool:
    """Revoke a link of this experiment. Returns False when the experiment has no such link."""
    link = session.get(ShareLink, link_id)
    if link is None or link.experiment_id != experiment_id:
        return False
    if link.revoked_at is None:
        link.revoked_at = now or _now()
    return True


def create_api_token(
    session: Session,
    user_id: int,
    *,
    label: str | None = None,
    lifetime: timedelta | None = None,
    scope: TokenScope = "read-write",
    now: datetime | None = None,
) -> tuple[ApiTokenInfo, str]:
    """Create a personal API token. Returns it with the raw token, which is shown only now.

    Args:
        scope: "read" (requests that change nothing) or "read-write".
    """
    if scope not in API_TOKEN_SCOPES:
        raise AccountsError(f"scope: expected one of {', '.join(API_TOKEN_SCOPES)}")
    if lifetime is not None:
        _check_lifetime(lifetime)
    now = now or _now()
    raw_token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        label=_clean_label(label, "API token"),
        token_hash=_digest(raw_token),
        token_prefix=raw_token[: len(API_TOKEN_PREFIX) + 6],
        created_at=now,
        expires_at=now + lifetime if lifetime is not None else None,
        scope=scope,
    )
    session.add(token)
    session.flush()
    return _token_info(token), raw_token


def resolve_api_token(
    session: Session, raw_token: str, *, now: datetime | None = None
) -> ApiTokenInfo | None:
    """The live token for ``raw_token`` (not revoked, not expired, its user active), or None.

    Records the time of use.
    """
    if not isinstance(raw_token, str) or not raw_token.startswith(API_TOKEN_PREFIX):
        return None
    if len(raw_token) > _MAX_RAW_TOKEN_LENGTH:
        return None
    now = now or _now()
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _digest(raw_token))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.is_active or not _token_info(token).is_active(now):
        return None
    token.last_used_at = now
    return _token_info(token)


def list_api_tokens(session: Session, user_id: int) -> list[ApiTokenInfo]:
    """The user's tokens, newest first (revoked ones included, marked by ``revoked_at``)."""
    tokens = session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [_token_info(token) for token in tokens]


def revoke_api_token(
    session: Session, token_id: int, *, user_id: int, now: datetime | None = None
) -> bool:
    """Revoke one of the user's tokens. Returns False when the user has no such token."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        return False
    if token.revoked_at is None:
        token.revoked_at = now or _now()
    return True
