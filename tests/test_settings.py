"""Settings: every problem named at once, secrets kept secret, provider defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import (
    DEFAULT_BASE_URLS,
    DiscordSettings,
    EngineSettings,
    KlingSettings,
    QuotaSettings,
    SettingsError,
    StorageSettings,
    WebSettings,
    load_settings,
)


def test_empty_environment_names_token_and_credentials() -> None:
    """With nothing set, one error lists DISCORD_TOKEN and the Kling credentials."""
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    text = str(caught.value)
    assert "DISCORD_TOKEN: missing" in text
    assert "KLING_API_KEY (or KLING_ACCESS_KEY + KLING_SECRET_KEY): missing" in text


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"KLING_ACCESS_KEY": "ak"}, "set both"),
        ({"KLING_PROVIDER": "cometapi", "KLING_ACCESS_KEY": "a", "KLING_SECRET_KEY": "s"}, "KLING_API_KEY: missing"),
        ({"KLING_PROVIDER": "anyfast", "KLING_API_KEY": "k", "KLING_SECRET_KEY": "s"}, "only the official provider"),
        ({"KLING_PROVIDER": "midjourney", "KLING_API_KEY": "k"}, "KLING_PROVIDER: Input should be"),
        ({"KLING_API_KEY": "k", "KLING_BASE_URL": "not a url"}, "KLING_BASE_URL:"),
        ({"KLING_API_KEY": "k", "KLING_REQUEST_TIMEOUT": "0"}, "KLING_REQUEST_TIMEOUT:"),
    ],
)
def test_invalid_kling_settings_are_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str) -> None:
    """Each contradictory or invalid Kling setting is reported by its variable name."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(None)
    assert problem in str(caught.value)
    assert "DISCORD_TOKEN" not in str(caught.value)


def test_valid_settings_from_dotenv_file(tmp_path: pytest.TempPathFactory) -> None:
    """A .env file is read; secrets are SecretStr and never shown in repr."""
    env_file = tmp_path / ".env"  # type: ignore[operator]
    env_file.write_text("DISCORD_TOKEN=discord-secret\nKLING_ACCESS_KEY=ak\nKLING_SECRET_KEY=sk-secret\n")
    settings = load_settings(env_file)
    assert settings.kling.provider == "official"
    assert settings.kling.resolved_base_url == DEFAULT_BASE_URLS["official"]
    assert settings.storage.database_url.get_secret_value() == "sqlite:///data/bot.db"
    shown = repr(settings)
    assert "discord-secret" not in shown
    assert "sk-secret" not in shown


def test_base_url_default_follows_provider_and_override_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each provider has its own default host; KLING_BASE_URL overrides it."""
    monkeypatch.setenv("KLING_API_KEY", "k")
    monkeypatch.setenv("KLING_PROVIDER", "cometapi")
    assert KlingSettings(_env_file=None).resolved_base_url == "https://api.cometapi.com"
    monkeypatch.setenv("KLING_BASE_URL", "http://127.0.0.1:8080/")
    assert KlingSettings(_env_file=None).resolved_base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize("secret", ["whsec_", "whsec_!!!not-base64!!!"])
def test_webhook_secret_must_be_standard(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    """A webhook secret that can't verify anything is refused at start, not at the first callback."""
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("KLING_API_KEY", "k")
    monkeypatch.setenv("KLING_WEBHOOK_SECRET", secret)
    with pytest.raises(SettingsError, match="KLING_WEBHOOK_SECRET: must be a Standard Webhooks"):
        load_settings(None)


def test_env_example_documents_every_setting() -> None:
    """Every setting any section reads appears in .env.example."""
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for section in (DiscordSettings, KlingSettings, StorageSettings, EngineSettings, QuotaSettings, WebSettings):
        prefix = section.model_config.get("env_prefix", "")
        for name, field in section.model_fields.items():
            variable = field.validation_alias if isinstance(field.validation_alias, str) else f"{prefix}{name}".upper()
            assert variable in example, variable
    for variable in ("LOG_LEVEL", "LOG_FORMAT"):
        assert variable in example


def test_blank_values_count_as_unset(tmp_path: Path) -> None:
    """A blank `KLING_API_KEY=` (as .env.example has it) does not shadow the AccessKey/SecretKey pair."""
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=t\nKLING_API_KEY=\nKLING_ACCESS_KEY=ak\nKLING_SECRET_KEY=sk\n")
    settings = load_settings(env_file)
    assert settings.kling.api_key is None
    assert settings.kling.access_key is not None
