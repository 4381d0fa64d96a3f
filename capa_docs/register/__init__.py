"""The register room: the findings of one build as a ``Register`` with the figures every
output shows, and what is worked out from it for any reader.

It owns the register model and its computed figures (``findings``), the management
review's figures and recurrence (``rollup``), each finding's evidence as published
(``evidence``) and the CSV and JSON data files (``data``), so the site and the exports
show the same values.

It may import the contract and git rooms only: never the gate, site or interop rooms,
MkDocs, Jinja2 or Markdown.
"""
