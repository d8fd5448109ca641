"""Pin the behaviour of the fake Kling server that other tests lean on."""
