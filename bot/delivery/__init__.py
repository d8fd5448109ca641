"""Showing tasks in Discord: live status messages and the delivery of results (the engine's port)."""
