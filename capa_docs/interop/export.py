"""`capa export`: the register as CSV (for Excel), JSON (for scripts) or OSCAL POA&M.

CSV and JSON are the site's own downloads (``register.data``), so the file a user
exports and the one the site offers are the same; the computed figures (due, overdue,
age) come from ``register.Register`` either way.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ..contract.settings import Settings
from ..contract.validate import validate
from ..git.history import read_history
from ..git.provenance import provenance
from ..register.data import register_csv, register_json
from ..register.evidence import EvidenceViews
from ..register.findings import Register
from .oscal import poam_document


class EmptyPoam(Exception):
    """No finding to put in an OSCAL POA&M, which must hold at least one poam-item."""

    def __init__(self, notes: list[str]) -> None:
        super().__init__("no findings to export: an OSCAL POA&M needs at least one poam-item, "
                         "and an empty one is not valid OSCAL")
        self.notes = notes


def export_bytes(fmt: str, settings: Settings, repo_root: Path,
                 today: dt.date) -> tuple[bytes, list[str]]:
    """The export and notes for stderr (findings left out because they fail the schema)."""
    # one history pass: last change (stale), first commit (recorded late) and, for OSCAL,
    # the status at each commit (its risk log)
    history = read_history(repo_root, settings.register_dir, settings.evidence_dir,
                           states=fmt == "oscal-poam")
    dates = history.last_changed()
    result = validate(settings, repo_root, today, history=dates, cwd=repo_root)
    register = Register.from_validation(result, settings, today, dates, history=history)
    notes = [f"{f.rel}: left out, it fails the schema (run capa validate)"
             for f in result.findings if not f.schema_valid]
    loaded = {f.rel for f in result.findings}
    notes += [f"{p.path}: left out, {p.message}" for p in result.problems
              if p.rule == "front-matter" and p.path not in loaded]
    if fmt in ("csv", "json"):
        produce = register_csv if fmt == "csv" else register_json
        source = provenance(repo_root, [settings.register_dir, settings.evidence_dir], today,
                            None) if fmt == "csv" else None
        return produce(register, EvidenceViews(repo_root, register).of, source=source), notes
    if not len(register):
        raise EmptyPoam(notes)
    if not history.available or history.shallow:
        notes.append(f"risk log from the findings' own dates only ({history.note})")
    document = poam_document(register, settings, history)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode(), notes
