"""Settings read from the environment and `.env`, one pydantic-settings class per section."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, HttpUrl, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Provider = Literal["official", "cometapi", "anyfast", "simulator"]
GuildPolicy = Literal["open", "allowlist", "approval"]

DEFAULT_BASE_URLS: dict[Provider, str] = {
    "official": "https://api-singapore.klingai.com",
    "cometapi": "https://api.cometapi.com",
    "anyfast": "https://www.anyfast.ai",
    "simulator": "simulator://local",
}
SIMULATOR_HINT = "or set KLING_PROVIDER=simulator to try the bot without a Kling account"


def _config(prefix: str) -> SettingsConfigDict:
    # env_ignore_empty: `KLING_API_KEY=` left blank (as in .env.example) means "not set", not "the empty key".
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True)


class DiscordSettings(BaseSettings):
    """How the bot logs in to Discord."""

    model_config = _config("DISCORD_")

    token: SecretStr = Field(min_length=1)
    # Commands sync instantly to this guild while developing; unset, they sync globally (slower to appear).
    dev_guild_id: int | None = Field(default=None, validation_alias="DEV_GUILD_ID")
    # Upload at most this much per file even where a server allows more; default: each server's own limit.
    max_upload_mb: float | None = Field(default=None, gt=0)
    # Post results as media cards (Components V2); off, as the classic message (text, embed, file), which bridges
    # and archivers that read only text and embeds can relay.
    result_cards: bool = True
    # Which servers may use the bot: every one (open), only ALLOWED_GUILD_IDS (allowlist), or those an operator
    # approved (approval: a new server waits, and operators get a DM with Approve / Deny).
    guild_policy: GuildPolicy = Field(default="approval", validation_alias="GUILD_POLICY")
    allowed_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), validation_alias="ALLOWED_GUILD_IDS")
    # Operators besides the application's owner (or team), as Discord reports it: comma-separated user ids.
    operator_user_ids: Annotated[tuple[int, ...], NoDecode] = Field(default=(), validation_alias="OPERATOR_USER_IDS")
    # Sharding (Discord requires it from 2,500 servers): the bot's shards in all, and which of them this process
    # runs (default: all of them). Unset: one unsharded connection.
    shard_count: int | None = Field(default=None, ge=1, validation_alias="SHARD_COUNT")
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = Field(default=None, validation_alias="SHARD_IDS")

    @field_validator("allowed_guild_ids", "operator_user_ids", "shard_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        """Read "1, 2, 3" (or a list) as ids."""
        if isinstance(value, str):
            return tuple(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        return value

    @field_validator("shard_ids")
    @classmethod
    def _shards_in_range(cls, value: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        """Each id names one of SHARD_COUNT's shards, once."""
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT (how many shards the bot has in all)")
        if not value or any(not 0 <= shard < count for shard in value):
            raise ValueError(f"each id must be from 0 to {count - 1} (SHARD_COUNT is {count})")
        if len(set(value)) != len(value):
            raise ValueError("an id is listed twice")
        return value

    @property
    def sharded(self) -> bool:
        """Return True when the bot runs as shards (SHARD_COUNT set)."""
        return self.shard_count is not None


class KlingSettings(BaseSettings):
    """Which Kling provider to call and with what credentials."""

    model_config = _config("KLING_")

    provider: Provider = "official"
    api_key: SecretStr | None = None
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    base_url: HttpUrl | None = None
    catalogue: Path | None = None
    webhook_secret: SecretStr | None = None
    request_timeout: float = Field(default=30.0, gt=0, le=600)
    simulator_seconds: float = Field(default=8.0, ge=0, le=600)  # how long the simulator "generates"
    simulator_dir: Path = Path("data/simulator")

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_is_standard(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        encoded = value.get_secret_value().removeprefix("whsec_")
        try:
            if not base64.b64decode(encoded + "==", validate=False):
                raise ValueError
        except (ValueError, binascii.Error):
            raise ValueError("must be a Standard Webhooks secret: whsec_ followed by base64") from None
        return value

    @property
    def resolved_base_url(self) -> str:
        """Return the configured base URL, or the provider's default host."""
        if self.base_url is not None:
            return str(self.base_url).rstrip("/")
        return DEFAULT_BASE_URLS[self.provider]

    def credential_problems(self) -> list[str]:
        """Name what is missing or contradictory in the credentials for the chosen provider."""
        if self.provider == "simulator":
            return []
        has_pair = self.access_key is not None and self.secret_key is not None
        half_pair = (self.access_key is None) != (self.secret_key is None)
        if self.provider == "official":
            if half_pair:
                return ["KLING_ACCESS_KEY and KLING_SECRET_KEY: set both, or neither and use KLING_API_KEY"]
            if self.api_key is None and not has_pair:
                return [f"KLING_API_KEY (or KLING_ACCESS_KEY + KLING_SECRET_KEY): missing — {SIMULATOR_HINT}"]
            return []
        problems = []
        if self.api_key is None:
            problems.append(f"KLING_API_KEY: missing (your {self.provider} key) — {SIMULATOR_HINT}")
        if self.access_key is not None or self.secret_key is not None:
            problems.append("KLING_ACCESS_KEY/KLING_SECRET_KEY: only the official provider uses them")
        return problems


class StorageSettings(BaseSettings):
    """Where the bot keeps its database, input images and archived results."""

    model_config = _config("")

    # A secret: a PostgreSQL URL may carry the password. Print it with `without_password`.
    database_url: SecretStr = SecretStr("sqlite:///data/bot.db")
    archive_dir: Path = Path("data/archive")
    input_dir: Path = Path("data/inputs")
    input_retention_hours: float = Field(default=72.0, gt=0)
    archive_retention_days: float = Field(default=30.0, gt=0)  # downloaded results (and re-encodes) kept this long
    min_free_disk_mb: float = Field(default=1024.0, ge=0)  # below this, new requests are refused; 0 turns it off


class EngineSettings(BaseSettings):
    """How tasks are queued, tracked, downloaded and delivered."""

    model_config = _config("")

    provider_max_concurrent: int = Field(default=5, ge=1, le=1000)
    task_deadline_minutes: float = Field(default=60.0, gt=0)
    download_max_mb: int = Field(default=200, ge=1)
    download_allow_loopback: bool = False  # tests only: lets results come from 127.0.0.1 over http
    delivery_max_attempts: int = Field(default=5, ge=1)
    # Seconds a process holds a task it is sending or posting, renewed every quarter of it while the work runs:
    # how soon another process takes over the work of one that died (several processes, on PostgreSQL).
    lease_seconds: float = Field(default=60.0, ge=1)


class QuotaSettings(BaseSettings):
    """The operator's limits: each server's default and its ceiling (admins may lower them, never raise them)."""

    model_config = _config("QUOTA_")

    user_daily_units: Decimal | None = Field(default=Decimal(40), ge=0)
    user_max_active: int | None = Field(default=3, ge=1)
    guild_daily_units: Decimal | None = Field(default=Decimal(500), ge=0)
    user_monthly_units: Decimal | None = Field(default=None, ge=0)  # over a rolling 30 days; unset: no limit
    guild_monthly_units: Decimal | None = Field(default=None, ge=0)
    # Money: what one unit costs you (the public pack price by default) and in which currency.
    price_per_unit: Decimal = Field(default=Decimal("0.14"), gt=0, validation_alias="PRICE_PER_UNIT")
    currency: str = Field(default="USD", min_length=1, max_length=8, validation_alias="CURRENCY")
    # The whole bot's spending, in that currency, over a rolling day and a rolling 30 days (unset: no cap).
    bot_daily_budget: Decimal | None = Field(default=None, ge=0, validation_alias="BOT_DAILY_BUDGET")
    bot_monthly_budget: Decimal | None = Field(default=None, ge=0, validation_alias="BOT_MONTHLY_BUDGET")
    # Tell the operators when the provider account has fewer units than this left (unset: don't).
    balance_alert_units: Decimal | None = Field(default=None, ge=0, validation_alias="BALANCE_ALERT_UNITS")

    def units_for(self, money: Decimal | None) -> Decimal | None:
        """Return how many units `money` buys (None stays None)."""
        return None if money is None else money / self.price_per_unit

    def money(self, units: Decimal) -> str:
        """Return what `units` cost, e.g. "$0.21" or "0.21 EUR"."""
        amount = (units * self.price_per_unit).quantize(Decimal("0.01"))
        return f"${amount}" if self.currency == "USD" else f"{amount} {self.currency}"


class WebSettings(BaseSettings):
    """The bot's web server: provider callbacks (and health and metrics)."""

    model_config = _config("WEB_")

    host: str = "0.0.0.0"  # noqa: S104 - it must be reachable by the provider; put a proxy in front
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: HttpUrl | None = None  # e.g. https://bot.example.com; None turns provider callbacks off
    # /healthz and /metrics: on their own port (on `ops_host`) when `ops_port` is set, else beside the
    # callbacks; behind "Authorization: Bearer <ops_token>" when a token is set.
    ops_host: str = "127.0.0.1"
    ops_port: int | None = Field(default=None, ge=0, le=65535)
    ops_token: SecretStr | None = None

    @property
    def callback_base(self) -> str | None:
        """Return the public base URL callbacks are addressed to, or None when callbacks are off."""
        return str(self.public_url).rstrip("/") if self.public_url is not None else None


class SettingsError(Exception):
    """Raised when settings are missing or invalid; `problems` holds one line per setting."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Missing or invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    """All settings, by section."""

    def secret_values(self) -> list[str]:
        """Return every secret's value, for the log redactor."""
        secrets = [self.discord.token, self.kling.api_key, self.kling.access_key, self.kling.secret_key]
        secrets.extend([self.kling.webhook_secret, self.web.ops_token])
        values = [s.get_secret_value() for s in secrets if s is not None]
        return values + url_passwords(self.storage.database_url.get_secret_value())

    discord: DiscordSettings
    kling: KlingSettings
    storage: StorageSettings
    engine: EngineSettings
    quota: QuotaSettings
    web: WebSettings


SectionT = TypeVar("SectionT", bound=BaseSettings)


def read_section(cls: type[SectionT], env_file: str | Path | None = ".env") -> tuple[SectionT | None, list[str]]:
    """Read one section; return it (or None) and a line per missing or invalid setting."""
    try:
        section = cls(_env_file=env_file)
    except ValidationError as exc:
        return None, _describe(exc, cls)
    if isinstance(section, KlingSettings):
        return section, section.credential_problems()
    return section, []


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read every section, collecting all problems before raising one `SettingsError`."""
    discord, discord_problems = read_section(DiscordSettings, env_file)
    kling, kling_problems = read_section(KlingSettings, env_file)
    storage, storage_problems = read_section(StorageSettings, env_file)
    engine, engine_problems = read_section(EngineSettings, env_file)
    quota, quota_problems = read_section(QuotaSettings, env_file)
    web, web_problems = read_section(WebSettings, env_file)
    problems = discord_problems + kling_problems + storage_problems + engine_problems + quota_problems + web_problems
    if problems or None in (discord, kling, storage, engine, quota, web):
        raise SettingsError(problems)
    return Settings(discord=discord, kling=kling, storage=storage, engine=engine, quota=quota, web=web)  # type: ignore[arg-type]


def without_password(url: str) -> str:
    """Return a database URL fit to print (postgresql://user:***@host/…)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def url_passwords(url: str) -> list[str]:
    """Return the password in a database URL as written and percent-decoded (none: an empty list)."""
    password = urlsplit(url).password
    return [password, unquote(password)] if password else []


def hide_passwords(text: str, url: str) -> str:
    """Return `text` (an error message, say) with the password of `url` replaced by ***."""
    for password in url_passwords(url):
        text = text.replace(password, "***")
    return text


def _describe(exc: ValidationError, cls: type[BaseSettings]) -> list[str]:
    prefix = cls.model_config.get("env_prefix", "")
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        # A field read under its own name (`validation_alias`, e.g. SHARD_COUNT) is reported by that name.
        name = f"{prefix}{field}".upper() if field in cls.model_fields else field
        reason = "missing" if error["type"] == "missing" else error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {reason}")
    return lines
