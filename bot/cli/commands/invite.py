"""``alliance invite``: a single-use enrolment link, optionally as a QR code to print."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.commands.base import Command
from bot.cli.commands.common import load_config
from bot.cli.errors import CommandError
from bot.process.settings import Settings


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="a client or therapist code from the clinic config")
    parser.add_argument(
        "--qr", type=Path, metavar="FILE", help="also write the link as a QR code PNG to FILE"
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--relink",
        action="store_true",
        help="the person is already linked to a chat: move them to the chat that opens this "
        "link (the old chat is told; a client must consent again)",
    )
    what.add_argument(
        "--revoke",
        action="store_true",
        help="issue nothing: make every unused invite of the code stop working",
    )


def _invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapter.invites import invite_link, revoke_invites

    config = load_config(settings.clinic_config)
    if args.revoke:
        if args.qr is not None:
            raise CommandError("--revoke issues no link: leave out --qr")
        revoked = revoke_invites(settings, config, args.code)
        print(f"{revoked} unused invite(s) of {args.code} revoked; none of them works now.")
        return 0
    qr: Path | None = args.qr
    if qr is not None and not qr.absolute().parent.is_dir():
        raise CommandError(f"cannot write {qr}: the folder {qr.absolute().parent} does not exist")
    link, note = asyncio.run(invite_link(settings, config, args.code, relink=args.relink))
    print(link)
    print(note, file=sys.stderr)
    if qr is not None:
        from bot.adapter.qr import write_qr_png

        try:
            write_qr_png(link, qr)
        except OSError as error:
            raise CommandError(f"cannot write {qr} ({type(error).__name__})") from None
        print(f"QR code written to {qr}; print it for this person only.", file=sys.stderr)
    return 0


COMMAND = Command(
    name="invite",
    help="print a single-use enrolment link for a code",
    description="Create a single-use enrolment link for a client or therapist code and print "
    "it. Give it to that person only: whoever opens it first is enrolled under the code. "
    "Issuing a link revokes the code's older unused links. A person already linked to a "
    "chat is moved to another only by a link made with --relink. "
    "Needs ALLIANCE_BOT_TOKEN (the bot's username is asked from the Bot API).",
    examples=(
        "alliance invite C101",
        "alliance invite C101 --qr C101.png",
        "alliance invite C101 --relink",
        "alliance invite C101 --revoke",
    ),
    arguments=_arguments,
    run=_invite,
)
