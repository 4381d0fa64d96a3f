"""The site room: the register published as pages, for MkDocs (``plugin``) or any Markdown
site generator (``capa render``).

It owns the page builders (``pages/``) over one shared context (``context``), the
templates and their escaping (``templating``, ``templates/``), the narrative's conversion
(``narrative``), links (``urls``), the review packs (``packs``), the charts (``charts``,
``trends``), the build (``render``), the MkDocs adapter (``plugin``, ``generated``), and
what keeps the site private: the policy and its hashes (``csp``), each page's tags
(``privacy``), the theme made private (``theme``), the files for the host (``hosting``),
the copy opened from disk (``offline``) and the policy of the pages Zensical builds
(``zensicalcsp``, a theme override written before the build).

It may import the contract, git and register rooms, never the gate or interop (which
share its layer) nor the CLI. Only ``plugin``, ``generated``, ``theme`` and ``offline``
import MkDocs.
"""
