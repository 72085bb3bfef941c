"""Process settings from the environment and ``.env`` (prefix ``ALLIANCE_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The shortest webhook secret accepted: as many characters as a 192-bit random token has.
WEBHOOK_SECRET_MIN = 32


class Settings(BaseSettings):
    """Everything the process needs that is not clinic configuration."""

    model_config = SettingsConfigDict(
        env_prefix="ALLIANCE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = Field(
        default=None, description="The token BotFather gave the bot. Never logged."
    )
    database_url: str = Field(
        default="sqlite:///alliance.db", description="Any SQLAlchemy URL, PostgreSQL included."
    )
    clinic_config: Path = Field(default=Path("clinic.yaml"), description="The clinic config.")
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API root; the bot calls <url>/bot<token>/<method>.",
    )
    tick_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How often the scheduler looks for due work."
    )
    plan_seconds: float = Field(
        default=3600.0,
        gt=0,
        le=86400,
        description="How often sessions are planned into check-ins (also once at start).",
    )
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) for notes at rest, comma-separated: the first encrypts, "
        "all decrypt. Never logged.",
    )
    health_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port for /healthz and /metrics while the bot runs; 0 turns them off.",
    )
    health_host: str = Field(
        default="127.0.0.1",
        description="Address /healthz and /metrics listen on; 0.0.0.0 only inside a container.",
    )
    claim_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86400,
        description="How long a worker's claim on a due send holds; a crashed worker's claims "
        "go back to the queue after this long.",
    )
    reply_retry_seconds: float = Field(
        default=30.0,
        ge=0,
        le=300,
        description="How long a reply to something a person did (a tap, a command, crisis "
        "contacts) is retried through Telegram's transient errors before it is given up.",
    )
    webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to (alliance run --webhook).",
    )
    webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook receiver listens on."
    )
    webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="Port the webhook receiver listens on."
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; other requests "
        "are refused. 32-256 characters of A-Z a-z 0-9 _ -. Never logged.",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="auto: JSON lines unless stderr is a terminal; json; or text.",
    )

    def encryption_keys(self) -> str | None:
        """The raw key setting, for ``bot.process.crypto.make_cipher``."""
        return None if self.encryption_key is None else self.encryption_key.get_secret_value()

    def require_token(self) -> str:
        """The bot token, or a clear error naming the setting."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise MissingSettingError("ALLIANCE_BOT_TOKEN is not set: put the bot's token in it.")
        return self.bot_token.get_secret_value().strip()

    def require_webhook(self) -> tuple[str, str]:
        """The public webhook URL and its secret token, or a clear error naming the setting."""
        if not self.webhook_url:
            raise MissingSettingError("ALLIANCE_WEBHOOK_URL is not set: the bot's public URL.")
        secret = "" if self.webhook_secret is None else self.webhook_secret.get_secret_value()
        # Telegram allows 1-256 characters; anything that short can be guessed.
        if not re.fullmatch(rf"[A-Za-z0-9_-]{{{WEBHOOK_SECRET_MIN},256}}", secret):
            raise MissingSettingError(
                f"ALLIANCE_WEBHOOK_SECRET must be {WEBHOOK_SECRET_MIN}-256 characters of "
                "A-Z a-z 0-9 _ -; make one with: "
                'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        return self.webhook_url, secret

    @property
    def api_base_url(self) -> str:
        """The prefix PTB puts in front of the token."""
        return f"{self.telegram_api_url.rstrip('/')}/bot"


class MissingSettingError(Exception):
    """A setting a command needs is not set."""
