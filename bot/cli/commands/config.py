"""``alliance config schema``: a JSON Schema of the clinic file, for editors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.commands.base import Command
from bot.process.settings import Settings
from core.clinic import ClinicConfig
from core.questionnaire_config import QuestionnaireSpec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def clinic_schema() -> dict[str, Any]:
    """The JSON Schema of a clinic config file, generated from ``core.clinic``'s models."""
    schema = ClinicConfig.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "Alliance check-ins clinic config"}


def questionnaire_schema() -> dict[str, Any]:
    """The JSON Schema of a questionnaire file (one a clinic file names by ``file:``)."""
    schema = QuestionnaireSpec.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema, "title": "Alliance check-ins questionnaire"}


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument(
        "--questionnaire",
        action="store_true",
        help="the schema of a questionnaire file named by 'file:' instead of the clinic file",
    )


def _schema(args: argparse.Namespace, _settings: Settings) -> int:
    schema = questionnaire_schema() if args.questionnaire else clinic_schema()
    text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    args.output.write_text(text, encoding="utf-8")
    what = "questionnaire" if args.questionnaire else "clinic config"
    print(f"Wrote the {what} schema to {args.output}.", file=sys.stderr)
    return 0


COMMAND = Command(
    name="config",
    help="tools for the clinic config file",
    subcommands=(
        Command(
            name="schema",
            help="print the JSON Schema of the clinic config (for editor completion)",
            description="Print the JSON Schema of the clinic config file, generated from the "
            "same models that validate it, so editors can complete and check clinic.yaml; "
            "with --questionnaire, that of a questionnaire file the clinic file names.",
            examples=(
                "alliance config schema --output clinic.schema.json",
                "alliance config schema > clinic.schema.json",
                "alliance config schema --questionnaire --output questionnaire.schema.json",
            ),
            arguments=_arguments,
            run=_schema,
        ),
    ),
)
