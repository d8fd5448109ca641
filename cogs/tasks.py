"""`/tasks` (my recent tasks, paginated) and `/task show` (one task; re-posts its result)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.bot import KlingBot
from bot.discord.embeds import state_line, status_embed, title_of
from bot.discord.errors import CommandRefusedError
from bot.discord.permissions import is_admin
from bot.discord.results import ResultPresenter
from bot.engine import Engine
from bot.vocabulary import Outcome, TaskState
from cogs.options import Name
from db.models import TaskRecord
from db.repository import TaskRepository

PAGE_SIZE = 10
PAGER_TIMEOUT = 180.0
PageMaker = Callable[[discord.Interaction, int], Awaitable[tuple[discord.Embed, bool]]]


def task_line(task: TaskRecord, position: int | None) -> str:
    """Return one line about a task: short id, kind, state (and place in line), age."""
    state = state_line(task)
    if position is not None:
        state += f" (#{position})"
    return f"`{task.id[:8]}` · {title_of(task)} · {state} · <t:{int(task.created_at)}:R>"


class TasksPager(discord.ui.View):
    """Previous/next buttons for `/tasks` (private, so a short timeout is fine)."""

    def __init__(self, owner: int, has_next: bool, make_page: PageMaker) -> None:
        super().__init__(timeout=PAGER_TIMEOUT)
        self.owner, self.page = owner, 0
        self._make_page = make_page
        self._sync_buttons(has_next)

    def _sync_buttons(self, has_next: bool) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = not has_next

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.page += step
        embed, has_next = await self._make_page(interaction, self.page)
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

    def __init__(self, tasks: TaskRepository, engine: Engine, results: ResultPresenter) -> None:
        self.tasks_repo = tasks
        self.engine = engine
        self.results = results

    @app_commands.command(name="tasks")
    @app_commands.guild_only()
    async def tasks(self, interaction: discord.Interaction) -> None:
        """List your recent tasks with their status."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, has_next = await self.page_embed(interaction, 0)
        pager = TasksPager(interaction.user.id, has_next, self.page_embed)
        await interaction.followup.send(embed=embed, view=pager, ephemeral=True)

    async def page_embed(self, interaction: discord.Interaction, page: int) -> tuple[discord.Embed, bool]:
        """Return one page of the member's tasks and whether another page follows."""
        assert interaction.guild is not None  # noqa: S101 - guild-only command
        tasks = await self.tasks_repo.for_user(
            interaction.guild.id, interaction.user.id, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE
        )
        lines = []
        for task in tasks[:PAGE_SIZE]:
            position = await self.engine.queue_position(task.id) if task.state is TaskState.QUEUED else None
            lines.append(task_line(task, position))
        text = "\n".join(lines) or "No tasks yet. Try `/video animate`."
        embed = discord.Embed(title="Your tasks", description=text)
        embed.set_footer(text=f"Page {page + 1} · /task show <id> for details")
        return embed, len(tasks) > PAGE_SIZE

    @task.command(name="show")
    @app_commands.describe(id="The task id (start typing to pick one of yours)")
    async def show(self, interaction: discord.Interaction, id: Name) -> None:
        """Show a task's status and parameters, and re-post its result."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        task = await self.find_task(interaction, id.strip())
        if task.outcome in (None, Outcome.CANCELLED) or task.state is TaskState.DELIVERING:
            progress = await self.engine.progress(task)
            embed = status_embed(task, progress.queue_position, progress, live=False)
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        copy = await self.results.copy(task, interaction.filesize_limit)
        await interaction.followup.send(
            content=copy.content or discord.utils.MISSING, embed=copy.embed,
            files=copy.files.discord_files(), ephemeral=True,
        )  # fmt: skip

    @show.autocomplete("id")
    async def show_complete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Offer the member's recent tasks."""
        if interaction.guild is None:
            return []
        tasks = await self.tasks_repo.for_user(interaction.guild.id, interaction.user.id, limit=25)
        now = time.time()
        return [
            app_commands.Choice(
                name=f"{t.id[:8]} · {title_of(t)} · {t.state.value} · {_age(now - t.created_at)}"[:100], value=t.id
            )
            for t in tasks
            if t.id.startswith(current.strip())
        ]

    async def find_task(self, interaction: discord.Interaction, task_id: str) -> TaskRecord:
        """Return the task if it is the member's (or the member is an admin of its guild)."""
        task = await self.tasks_repo.get(task_id)
        guild_id = interaction.guild.id if interaction.guild else None
        mine = task is not None and (task.user_id == interaction.user.id or is_admin(interaction))
        if task is None or task.guild_id != guild_id or not mine:
            raise CommandRefusedError("No task of yours has that id. `/tasks` lists them.")
        return task


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


async def setup(bot: KlingBot) -> None:
    """Load the task commands."""
    await bot.add_cog(TaskCommands(bot.storage.tasks, bot.engine, bot.results))
