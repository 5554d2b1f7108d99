"""The one wiring point: settings in, a ready Context (engine, units of work, mail) out."""

from __future__ import annotations

from functools import partial

import httpx
from sqlalchemy import Engine

from porch.akismet import AkismetClient
from porch.config import Settings
from porch.live import LiveHub
from porch.live.memory import MemoryHub
from porch.mail.senders import LogSender, MailSender, SmtpSender
from porch.ratelimit import RateLimiter
from porch.ratelimit.memory import MemoryRateLimiter
from porch.ratelimit.redis import RedisRateLimiter
from porch.services.context import Context
from porch.storage.engine import create_database_engine
from porch.storage.unit_of_work import UnitOfWork


def build_mail_sender(settings: Settings) -> MailSender:
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url, settings.mail_from)
    return LogSender()


def _require_redis_extra() -> None:
    """PORCH_REDIS_URL needs the optional ``redis`` package; say so plainly when it is missing."""
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            "PORCH_REDIS_URL is set but the redis package is missing: pip install 'porch[redis]'"
        ) from exc


def build_rate_limiter(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        _require_redis_extra()
        return RedisRateLimiter.from_url(settings.redis_url)
    return MemoryRateLimiter()


def build_live_hub(settings: Settings) -> LiveHub:
    """Redis pub/sub when PORCH_REDIS_URL is set (every worker hears every write), else one process's memory."""
    if settings.redis_url:
        _require_redis_extra()
        from porch.live.redis import RedisHub  # the optional redis extra: imported only when asked for

        return RedisHub(settings.redis_url)
    return MemoryHub()
def build_akismet(settings: Settings) -> AkismetClient | None:
    if not (settings.akismet_url and settings.akismet_key):
        return None
    return AkismetClient(
        settings.akismet_url, settings.akismet_key, httpx.Client(), timeout=settings.akismet_timeout_seconds
    )


def build_context(settings: Settings, *, engine: Engine | None = None, mail: MailSender | None = None) -> Context:
    engine = engine or create_database_engine(settings.database_url)
    return Context(
        uow=partial(UnitOfWork, engine),
        mail=mail or build_mail_sender(settings),
        base_url=settings.base_url,
        live=build_live_hub(settings),
        limiter=build_rate_limiter(settings),
        allow_private_webhooks=settings.allow_private_webhooks,
        akismet=build_akismet(settings),
    )
