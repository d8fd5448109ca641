"""`/tasks` (my recent tasks, paginated) and `/task show` (one task; re-posts its result)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.delivery.embeds import STATE_LINES, result_embed, status_embed, title_of
from bot.delivery.files import choose_files
from bot.interactions.buttons import is_admin
from bot.interactions.errors import CommandRefusedError
from bot.services import services_of
from db.models import TaskRecord, TaskState

PAGE_SIZE = 10
PAGER_TIMEOUT = 180.0


def task_line(task: TaskRecord, position: int | None) -> str:
    """Return one line about a task: short id, kind, state (and place in line), age."""
    state = STATE_LINES[task.state]
    if position is not None:
        state += f" (#{position})"
    return f"`{task.id[:8]}` · {title_of(task)} · {state} · <t:{int(task.created_at)}:R>"


async def page_embed(interaction: discord.Interaction, page: int) -> tuple[discord.Embed, bool]:
    """Return one page of the user's tasks and whether another page follows."""
    services = services_of(interaction.client)
    assert interaction.guild is not None  # noqa: S101 - guild-only command
    tasks = await services.storage.tasks.for_user(
        interaction.guild.id, interaction.user.id, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
    )
    lines = []
    for task in tasks[:PAGE_SIZE]:
        position = await services.engine.queue_position(task.id) if task.state is TaskState.QUEUED else None
        lines.append(task_line(task, position))
    embed = discord.Embed(title="Your tasks", description="\n".join(lines) or "No tasks yet. Try `/video animate`.")
    embed.set_footer(text=f"Page {page + 1} · /task show <id> for details")
    return embed, len(tasks) > PAGE_SIZE


class TasksPager(discord.ui.View):
    """Previous/next buttons for `/tasks` (private, so a short timeout is fine)."""

    def __init__(self, owner: int, has_next: bool) -> None:
        super().__init__(timeout=PAGER_TIMEOUT)
        self.owner, self.page = owner, 0
        self._sync_buttons(has_next)

    def _sync_buttons(self, has_next: bool) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = not has_next

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.page += step
        embed, has_next = await page_embed(interaction, self.page)
        self._sync_buttons(has_next)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Show the newer page."""
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        """Show the older page."""
        await self._show(interaction, 1)


class TaskCommands(commands.Cog):
    """See your tasks."""

    task = app_commands.Group(name="task", description="Look at one of your tasks", guild_only=True)

    @app_commands.command(name="tasks")
    @app_commands.guild_only()
    async def tasks(self, interaction: discord.Interaction) -> None:
        """List your recent tasks with their status."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, has_next = await page_embed(interaction, 0)
        await interaction.followup.send(embed=embed, view=TasksPager(interaction.user.id, has_next), ephemeral=True)

    @task.command(name="show")
    @app_commands.describe(id="The task id (start typing to pick one of yours)")
    async def show(self, interaction: discord.Interaction, id: str) -> None:
        """Show a task's status and parameters, and re-post its result."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        services = services_of(interaction.client)
        task = await find_task(interaction, id.strip())
        if task.outcome is None or task.state is TaskState.DELIVERING:
            position = await services.engine.queue_position(task.id)
            await interaction.followup.send(embed=status_embed(task, position), ephemeral=True)
            return
        workdir = Path(services.settings.storage.archive_dir) / "fitted"
        files = await choose_files(task, interaction.filesize_limit, workdir)
        links = "\n".join(f"<{link}>" for link in files.links)
        await interaction.followup.send(
            content=links or discord.utils.MISSING, embed=result_embed(task, files.note),
            files=files.discord_files(), ephemeral=True,
        )  # fmt: skip

    @show.autocomplete("id")
    async def show_complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Offer the user's recent tasks."""
        services = services_of(interaction.client)
        if interaction.guild is None:
            return []
        tasks = await services.storage.tasks.for_user(interaction.guild.id, interaction.user.id, limit=25)
        now = time.time()
        return [
            app_commands.Choice(
                name=f"{t.id[:8]} · {title_of(t)} · {t.state.value} · {_age(now - t.created_at)}"[:100], value=t.id
            )
            for t in tasks
            if t.id.startswith(current.strip())
        ]


async def find_task(interaction: discord.Interaction, task_id: str) -> TaskRecord:
    """Return the task if it is the user's (or the user is an admin of its guild)."""
    task = await services_of(interaction.client).storage.tasks.get(task_id)
    guild_id = interaction.guild.id if interaction.guild else None
    if task is None or task.guild_id != guild_id or (task.user_id != interaction.user.id and not is_admin(interaction)):
        raise CommandRefusedError("No task of yours has that id. `/tasks` lists them.")
    return task


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


async def setup(bot: commands.Bot) -> None:
    """Load the task commands."""
    await bot.add_cog(TaskCommands())
