"""Everything Discord: the bot class, command sync, the request desk, replies and errors, live status,
result messages, buttons, and the engine's delivery port. Cogs in `cogs/` build on it.
"""
