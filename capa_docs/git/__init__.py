"""What git knows about the register: trees and blobs of any commit, each finding's
history (renames followed, states at each commit), the audit trail an auditor reads, the
provenance line of a build, and ``capa pin``.

May import the contract; nothing above it (register, gate, site, interop, cli). One
``git log`` for the whole register and one ``cat-file --batch`` per pass: never a git
call per finding.
"""
