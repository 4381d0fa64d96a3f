"""The ``capa`` command: a thin adapter from arguments to the core, and back to exit codes.

One module per command, each with ``add_parser`` (its arguments) and ``run`` (arguments
to exit code); ``common`` holds what they share. The CLI sits on top of every room and
holds no logic of its own: a second front end (the MkDocs plugin is one) must be able to
do everything it does by calling the same functions.

Exit codes follow check-jsonschema, yamllint and ruff: 0 clean, 1 problems at a failing
level, 2 a usage or configuration error; and 70 (sysexits' EX_SOFTWARE) when capa itself
failed, so a crash can never pass for "problems found" in CI. A crash prints one line
asking for a bug report, not a traceback (``CAPA_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

from ..contract.settings import ConfigError
from .common import EXIT_CRASH, EXIT_USAGE, Parser, version_text

COMMANDS = {"init": "init", "validate": "validate", "new": "new", "schema": "schema",
            "render": "render", "offline": "offline", "diff": "diff", "import": "import_",
            "export": "export", "pin": "pin", "remind": "remind",
            "migrate-clauses": "migrate_clauses"}
"""Each command and the module that holds it, in the order ``capa --help`` lists them."""


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The parser of the command ``argv`` names, or of every command when it names none
    (``capa --help``, a misspelt command): each command module imports what its command
    needs, and a run of one command should not pay for the others' imports (a tenth of a
    second, which ``capa render`` ahead of ``zensical build`` pays on every build)."""
    parser = Parser(prog="capa", description="A corrective-action register in git.")
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    named = _command_named(sys.argv[1:] if argv is None else argv)
    for name, module in COMMANDS.items():
        if named in (None, name):
            importlib.import_module(f"{__name__}.{module}").add_parser(commands)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, when its first word that is not an option is one."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"capa: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `capa validate | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:  # anything else is a bug in capa, not in the register
        if os.environ.get("CAPA_DEBUG"):
            raise
        print(crash_line(args, error), file=sys.stderr)
        return EXIT_CRASH


def crash_line(args, error: Exception) -> str:
    detail = " ".join(str(error).split())[:200]
    return (f"capa: internal error in `capa {args.command}`: {type(error).__name__}"
            f"{': ' + detail if detail else ''}. This is a bug in capa-docs, not in your "
            "register: please report it with the command, this line and the finding file it "
            "was reading (CAPA_DEBUG=1 shows the traceback)")
