"""The Dockerfile, .dockerignore and compose file are plainly correct (no Docker engine runs here)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending += line.removesuffix("\\").strip() + " "
        if not line.endswith("\\"):
            joined.append(pending.strip())
            pending = ""
    return [(line.split(" ", 1)[0].upper(), line.split(" ", 1)[1] if " " in line else "") for line in joined]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def test_multi_stage_on_a_slim_base() -> None:
    """Two stages, both on a slim Python 3.11+ image."""
    bases = [args for name, args in instructions() if name == "FROM"]
    assert len(bases) >= 2
    assert all("python:3.1" in base and "slim" in base for base in bases)


def test_runs_as_a_non_root_user() -> None:
    """The final stage switches to an unprivileged user before the entrypoint."""
    stage = final_stage()
    users = [args for name, args in stage if name == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    names = [name for name, _ in stage]
    assert names.index("USER") < names.index("ENTRYPOINT")


def test_no_secrets_or_data_are_copied() -> None:
    """Nothing copies .env or data into the image, and the context allowlist keeps them out anyway."""
    copies = [args for name, args in instructions() if name in ("COPY", "ADD")]
    assert not any(".env" in args or "data" in args.split()[0] for args in copies if not args.startswith("--from"))
    assert not any(args.split()[0] == "." for args in copies)
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[[line.startswith("#") for line in ignore].index(False)] == "*"
    allowed = [line for line in ignore if line.startswith("!")]
    assert not any(".env" in line or "data" in line or "tests" in line for line in allowed)


def test_every_file_copied_from_the_context_is_in_it() -> None:
    """Each COPY source (outside `--from` stages) is let through by the allowlist, or the build fails."""
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] == "!"}
    sources = [
        source.rstrip("/")
        for name, args in instructions()
        if name == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert sources
    assert set(sources) <= allowed, set(sources) - allowed
    assert "constraints.txt" in sources  # the image installs the versions CI tested


def test_entrypoint_volume_and_healthcheck() -> None:
    """The image runs `python -m bot`, keeps /data in a volume and checks /healthz."""
    stage = dict(final_stage())
    assert stage["ENTRYPOINT"] == '["python", "-m", "bot"]'
    assert '"/data"' in stage["VOLUME"]
    assert "/healthz" in stage["HEALTHCHECK"]
    assert "sqlite:////data/bot.db" in stage["ENV"]


def test_compose_uses_the_env_file_and_a_volume() -> None:
    """The compose example reads .env and keeps /data on a named volume."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    service = compose["services"]["bot"]
    assert service["env_file"] == ".env"
    assert any(volume.endswith(":/data") for volume in service["volumes"])
    assert "bot-data" in compose["volumes"]


def test_package_data_ships_with_the_install() -> None:
    """A non-editable install (the image's) carries the catalogue and the migrations."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert config["bot.kling"] == ["*.toml"]
    assert config["db.migrations"] == ["*.sql"]
    assert list((ROOT / "db" / "migrations").glob("V*.sql"))
    assert config["db.postgres.migrations"] == ["*.sql"]
    assert list((ROOT / "db" / "postgres" / "migrations").glob("V*.sql"))
    assert (ROOT / "bot" / "kling" / "catalogue.toml").exists()


def test_compose_scale_profile_runs_postgres_a_gateway_and_two_workers() -> None:
    """`--profile scale`: PostgreSQL (checked by pg_isready), one gateway and two workers on it, each health-checked."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "profiles" not in services["bot"]  # the default stays one process on SQLite
    assert "DATABASE_URL" not in (services["bot"].get("environment") or {})
    scaled = {name: service for name, service in services.items() if "scale" in service.get("profiles", [])}
    assert set(scaled) == {"postgres", "gateway", "worker"}
    postgres = scaled["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert scaled["gateway"]["command"] == ["gateway"]
    assert scaled["worker"]["command"] == ["worker"]
    assert scaled["worker"]["deploy"]["replicas"] == 2
    assert "ports" not in scaled["worker"]  # only the gateway takes callbacks from outside
    for role in ("gateway", "worker"):
        service = scaled[role]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["healthcheck"]["test"] == ["CMD", "python", "-m", "bot.healthcheck", "/healthz"]
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]
        assert any(volume.endswith(":/data") for volume in service["volumes"])


def test_readme_shows_the_scale_command_lines() -> None:
    """README's "Scaling out" names the compose command, migrate-db, the roles and the shard settings."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    for text in ("docker compose --profile scale up", "migrate-db --to postgresql://", "gateway", "worker",
                 "SHARD_COUNT", "SHARD_IDS"):  # fmt: skip
        assert text in section, text
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "docker compose --profile scale up -d postgres gateway worker" in compose
    assert "docker compose --profile scale up -d postgres gateway worker" in section
