"""Point an unmodified discord.py at a fake Discord when FAKE_DISCORD_API / FAKE_DISCORD_GATEWAY are set.

Put this folder on the subprocess's PYTHONPATH; without the variables it does nothing (not even import discord).
"""

import os


def _point_discord_at_fake() -> None:
    """Set Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY from the environment."""
    api = os.environ.get("FAKE_DISCORD_API")
    gateway = os.environ.get("FAKE_DISCORD_GATEWAY")
    if not api and not gateway:
        return
    # Imported only when pointed at a fake, so other interpreters on this PYTHONPATH pay nothing.
    import discord.gateway
    import discord.http
    import yarl

    if api:
        discord.http.Route.BASE = api.rstrip("/")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


_point_discord_at_fake()
