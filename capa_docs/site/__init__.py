"""The site room: the register published as pages, for MkDocs (``plugin``) or any Markdown
site generator (``capa render``).

It owns the page builders (``pages/``) over one shared context (``context``), the
templates and their escaping (``templating``, ``templates/``), the narrative's conversion
(``narrative``), links (``urls``), the review packs (``packs``), the charts (``charts``,
``trends``), the build (``render``) and the MkDocs adapter (``plugin``, ``generated``).

It may import the contract, git and register rooms, never the gate or interop (which
share its layer) nor the CLI. Only ``plugin`` and ``generated`` import MkDocs.
"""
