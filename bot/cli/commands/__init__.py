"""Every ``alliance`` subcommand, one module each, in the order ``alliance --help`` lists them.

To add a command: write ``bot/cli/commands/<name>.py`` with a ``COMMAND``, and list it here.
"""

from bot.cli.commands import (
    check_config,
    config,
    db,
    demo,
    erase,
    export,
    invite,
    keygen,
    purge,
    retire,
    rotate_key,
    run,
    schedule,
    stats,
    sync,
)
from bot.cli.commands.base import Command

COMMANDS: tuple[Command, ...] = (
    run.COMMAND,
    check_config.COMMAND,
    config.COMMAND,
    invite.COMMAND,
    retire.COMMAND,
    sync.COMMAND,
    schedule.COMMAND,
    export.COMMAND,
    stats.COMMAND,
    keygen.COMMAND,
    rotate_key.COMMAND,
    purge.COMMAND,
    erase.COMMAND,
    db.COMMAND,
    demo.COMMAND,
)
