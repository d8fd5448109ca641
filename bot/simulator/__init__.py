"""A built-in provider that simulates Kling locally, so admins can try the bot without an account."""
