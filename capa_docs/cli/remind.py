"""``capa remind``: what each person owes as of a date, for a terminal, an issue or a script.

The weekly reminder workflow runs it with ``--format json`` and keeps one issue per owner
up to date with each person's Markdown digest (``remind-issues.py``).
"""

from __future__ import annotations

import argparse
import sys

from ..contract.followup import nearest_name
from ..contract.settings import ConfigError, read_site_url, resolve_today
from ..contract.validate import validate
from ..git.history import last_changed
from ..git.tree import repository_root
from ..register.digest import FORMATS, json_digest, markdown_all, text_digest
from ..register.findings import Register
from ..register.reminders import reminders
from .common import EXIT_OK, Commands, add_common, require_register, settings_of


def add_parser(commands: Commands) -> None:
    remind = commands.add_parser(
        "remind", help="print what each person owes: overdue and due-soon actions, "
                       "effectiveness reviews due, stale findings",
        description="Print what each person owes as of --today: corrective actions overdue "
                    "or due within due_soon_days, effectiveness reviews overdue or due, and "
                    "findings they own that went stale. Exit 0 whether or not anything is "
                    "owed; 2 for an --owner nobody in the register or the owners map is.")
    remind.add_argument("--owner", metavar="NAME", default=None,
                        help="only this person (as written in the findings)")
    remind.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown (an issue body) or json (scripts)")
    add_common(remind)
    remind.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    today = resolve_today(args.today)
    require_register(settings)
    repo_root = repository_root(settings.base_dir)
    changed = last_changed(repo_root, settings.register_dir)
    result = validate(settings, repo_root, today, cwd=settings.base_dir, history=changed.dates)
    errors = sum(1 for p in result.problems if p.level == "error")
    if errors:
        print(f"capa: note: {errors} finding error(s) (run capa validate); findings the schema "
              "rejects are left out", file=sys.stderr)
    register = Register.from_validation(result, settings, today, changed.dates)
    owed = reminders(register)
    people = list(owed.owed)
    if args.owner is not None:
        _check_owner(args.owner, register, settings.owners)
        people = [args.owner] if owed.of(args.owner) else []
    site_url, directory = read_site_url(settings.config_file)

    def url_of(finding_id: str) -> str | None:
        if site_url is None:
            return None
        page = f"findings/{finding_id}/" if directory else f"findings/{finding_id}.html"
        return site_url.rstrip("/") + "/" + page

    contacts = settings.owners
    if args.format == "json":
        text = json_digest(owed, people, contacts, url_of)
    elif args.format == "markdown":
        text = markdown_all(owed, people, contacts, url_of)
    else:
        text = text_digest(owed, people)
    sys.stdout.write(text)
    return EXIT_OK


def _check_owner(name: str, register: Register, contacts: dict) -> None:
    """Nothing if anyone in the register or the owners map is called that; else exit 2
    naming the nearest name, so a typo is not read as 'owes nothing'."""
    known = set(register.owners()) | set(contacts)
    for finding in register:
        for action in finding.data.get("corrective_actions") or []:
            if isinstance(action, dict) and isinstance(action.get("owner"), str):
                known.add(action["owner"])
    if name in known:
        return
    close = nearest_name(name, known)
    hint = f"; did you mean {close!r}?" if close else ""
    raise ConfigError(f"--owner: nobody named {name!r} owns a finding or an action, or is in "
                      f"the owners setting{hint}")
