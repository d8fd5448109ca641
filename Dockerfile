# syntax=docker/dockerfile:1
# Build: docker build -t kling-discord-bot .      Run: see docker-compose.yml (settings come from .env).

# --- build: install the bot and its dependencies into a virtualenv -------------------------------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY cogs ./cogs
COPY db ./db
RUN python -m venv /opt/venv && /opt/venv/bin/pip install -c constraints.txt .

# --- runtime: the virtualenv only, run by an unprivileged user ----------------------------------------
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite:////data/bot.db \
    ARCHIVE_DIR=/data/archive \
    INPUT_DIR=/data/inputs \
    KLING_SIMULATOR_DIR=/data/simulator \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /app /data \
    && chown bot:bot /app /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER bot
# The database, archived results and kept input images live here: mount a volume to keep them.
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-m", "bot.healthcheck", "/healthz"]
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
