"""Settings, read from PORCH_* environment variables once, validated, then passed down.

No other module reads the environment.
"""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/porch.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORCH_", extra="ignore")

    database_url: str = Field(DEFAULT_DATABASE_URL, description="sqlite:///path or postgresql://user@host/db")
    base_url: str = Field("http://127.0.0.1:8080", description="public URL of this server, for links in mail")
    smtp_url: str | None = Field(
        None, description="smtp://host:port, smtps://user:pass@host:465; unset: mail is logged"
    )
    mail_from: str = "Porch <porch@localhost>"
    max_request_bytes: int = 64 * 1024
    max_import_bytes: int = Field(256 * 1024 * 1024, description="an export file uploaded to the import API")
    redis_url: str | None = Field(
        None, description="redis://host:6379/0 for rate limits and live updates shared by workers; unset: in-process"
    )
    akismet_url: str | None = Field(
        None, description="an Akismet-compatible service (https://rest.akismet.com); asked about new comments"
    )
    akismet_key: str | None = Field(None, description="the API key for akismet_url")
    akismet_timeout_seconds: float = Field(2.0, gt=0, description="how long a post waits for Akismet's verdict")
    trusted_proxies: str = Field(
        "", description="addresses or networks of reverse proxies whose X-Forwarded-Proto is believed (comma-separated)"
    )
    secure_cookies: bool | None = Field(None, description="Secure flag on cookies; default: when base_url is https")
    outbox_in_serve: bool | None = Field(
        None, description="deliver mail/webhooks from inside `porch serve`; default: yes unless given a context"
    )
    outbox_poll_seconds: float = Field(2.0, gt=0, description="how often an idle outbox worker looks for jobs")
    allow_private_webhooks: bool = Field(
        False, description="let webhooks reach loopback/private/link-local addresses (tests, intranets); SSRF guard off"
    )
    outbox_retention_days: float = Field(
        14.0, gt=0, description="delivered and given-up outbox jobs (and their attempt log) are kept this long"
    )
    outbox_lease_seconds: float = Field(120.0, gt=0, description="how long a claimed job is a worker's own")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def is_trusted_proxy(self, peer: str) -> bool:
        """Whether ``peer`` (a request's immediate sender) is one of ``trusted_proxies``."""
        entries = [entry.strip() for entry in self.trusted_proxies.split(",") if entry.strip()]
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return peer in entries  # a unix socket's or a test client's name
        for entry in entries:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")
