"""When things happen: planning check-ins from sessions and the tick that sends due work."""
