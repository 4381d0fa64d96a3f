"""``capa_docs.plugin:CapaPlugin``, the import path of releases before the package was laid
out by role; the plugin lives in ``capa_docs.site.plugin``. Kept so a user's own code or
``mkdocs.yml`` that names this path goes on working."""

from .site.plugin import CapaConfig, CapaPlugin

__all__ = ["CapaConfig", "CapaPlugin"]
