"""Kling video bot for Discord."""
