"""What every command shares: the submit flow, image intake, errors, replies and persistent buttons."""
