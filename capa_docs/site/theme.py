"""The MkDocs configuration and theme files made private before the build runs.

Without anyone editing the theme block: Material's web fonts are off (they come from
fonts.googleapis.com and fonts.gstatic.com, so every page load told Google who read the
register), the sitemap listing every finding is not written unless the register is
public, and the theme's source maps are left out. What a configuration asks for that
would bring a request to another host back (web fonts set by name, analytics) is named in
a warning; the Content-Security-Policy blocks it anyway.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from ..contract.settings import ConfigError, read_config_document

SITEMAP = "sitemap.xml"
# The comment at the end of a minified script or stylesheet that names its source map.
_SOURCE_MAP = re.compile(rb"\n?(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^*]*\*/)")


def private_theme(config: MkDocsConfig, *, public: bool) -> list[str]:
    """Adjust the loaded configuration; return a warning for each third-party request
    the configuration still asks for."""
    warnings = []
    theme = config.theme
    if theme.name == "material":
        if "font" not in _user_theme(config):
            theme["font"] = False
        elif theme["font"]:
            warnings.append(
                "theme.font names web fonts, which Material loads from fonts.googleapis.com "
                "and fonts.gstatic.com on every page, telling Google who reads the register; "
                "the site's Content-Security-Policy blocks them, so pages show system fonts. "
                "Remove theme.font (capa turns it off), or serve the fonts from the site "
                "(theme.font: false, and @font-face in a stylesheet under extra_css)")
        analytics = (config.extra or {}).get("analytics")
        if isinstance(analytics, dict) and analytics.get("provider"):
            warnings.append(
                f"extra.analytics ({analytics.get('provider')}) sends every page view of the "
                "register to a third party; the site's Content-Security-Policy blocks it. "
                "Remove extra.analytics")
    if not public:
        theme.static_templates.discard(SITEMAP)
        if "navigation.instant" in (theme["features"] or ()):
            warnings.append(
                "theme.features navigation.instant reads sitemap.xml, which a private "
                "register does not publish (it lists every finding); remove the feature, "
                "or set `public: true` in the capa block if the register is public")
    return warnings


def _user_theme(config: MkDocsConfig) -> dict[str, Any]:
    """The theme block as the configuration file writes it (INHERIT followed), to tell a
    font the user chose from the theme's default."""
    path = config.config_file_path
    if not path:
        return {}
    try:
        document = read_config_document(Path(path).read_bytes(), path).document
    except (OSError, ConfigError):
        return {}
    theme = document.get("theme")
    return theme if isinstance(theme, dict) else {}


def private_files(files: Files, config: MkDocsConfig, *, public: bool) -> None:
    """Leave the theme's source maps out of the site, and the comments pointing to them:
    they publish the theme's unminified source and its build paths, and an auditor's
    browser would ask for them whenever developer tools are open. Unless the register is
    public, leave out the sitemap template too, which MkDocs copies as a plain file once
    it is no longer rendered."""
    themes = [Path(folder).resolve() for folder in config.theme.dirs]
    for file in list(files):
        if file.abs_src_path is None or not file.src_uri.endswith(
                (".map", ".js", ".css", SITEMAP)):
            continue
        source = Path(file.abs_src_path).resolve()
        if not any(source.is_relative_to(folder) for folder in themes):
            continue
        if file.src_uri.endswith(".map") or (file.src_uri == SITEMAP and not public):
            files.remove(file)
            continue
        if file.src_uri == SITEMAP:
            continue
        content = file.content_bytes
        if b"sourceMappingURL=" in content:
            files.remove(file)
            files.append(File.generated(config, file.src_uri,
                                        content=_SOURCE_MAP.sub(b"", content)))
