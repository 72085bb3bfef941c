"""Errors that end a command with a message for the person at the terminal."""


class CommandError(Exception):
    """A problem to print, then exit with status 1."""
