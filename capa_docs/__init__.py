"""capa-docs: an ISO/IEC 27001 corrective-action register kept in git.

The package is laid out by role, and imports point one way, down this list:

- ``contract``: what a finding is and how it is judged: the model, the strict front-matter
  loader, the JSON Schema, the named rules, evidence paths, the settings block, validation
  and the problem reports. It knows nothing of git or MkDocs.
- ``git``: what git knows: trees and blobs of any commit, each finding's history and its
  states over time, the audit trail, closure records (changes after closure, when
  evidence was pinned), commit signatures as git verifies them (and, for the site build,
  SSH signatures by listed keys checked in-process as git would), the provenance line,
  and ``capa pin``.
- ``register``: every finding together, with its indexes and computed figures (due,
  overdue, age, stale), the management-review roll-ups, the CSV and JSON data, and the
  reminders: who owes what, and the calendar feeds.
- ``gate``, ``site`` and ``interop``, side by side and never importing each other:
  ``capa diff`` (reading both sides, judging each pair, reporting); the published site
  (the MkDocs plugin, page rendering, review packs, charts, templates and assets); and
  spreadsheets, import, export and OSCAL.
- ``cli``: the ``capa`` command, one module per command; with the MkDocs plugin it is an
  adapter, holding no logic of its own.

``tests/test_layout.py`` walks every import and fails on a cycle or an upward import.
"""

__version__ = "0.1.0"
