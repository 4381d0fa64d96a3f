"""The finding contract: what a finding is and how one is judged.

Owns the finding model, the strict front-matter loader (line numbers, duplicate keys,
hostile input), the JSON Schema, the named rules, evidence path resolution, the settings
block of ``mkdocs.yml``, validation of files against the whole register, and the problem
report formats. Imports nothing else of capa_docs and nothing of git or MkDocs: whatever a
rule needs from history (each file's last commit day) is handed in by the caller, so the
same contract judges a work tree, a commit and a test's dictionary alike.
"""
