"""Task engine: turns queued generation requests into finished, archived results."""
