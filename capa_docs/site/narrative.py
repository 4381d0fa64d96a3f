"""A finding's narrative (the Markdown body) as HTML the finding page can embed.

The body is converted here with Python-Markdown and sanitised with nh3 before it is
embedded, unless the site owner trusts every writer (``allow_raw_html``). Its relative
links are rewritten to the published pages and files: a link to another finding's file
goes to that finding's page, a link to a file in the register publishes that file (unless
a finding holds it with ``publish: false``). An image from another host becomes a link to
it: a page of the register loads nothing from another host.
"""

from __future__ import annotations

import html
import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

from ..contract.evidence import resolve_evidence
from ..contract.model import Finding
from ..register.evidence import IMAGE_SUFFIXES, published_uri
from .context import Link, SiteContext
from .page import contain
from .urls import finding_uri


def narrative_html(ctx: SiteContext, finding: Finding, page_uri: str) -> Markup:
    """The body as HTML: converted, sanitised, links to evidence and findings rewritten."""
    if not finding.body.strip():
        return Markup('<p class="capa-none">No narrative.</p>')
    converted = ctx.markdown.reset().convert(finding.body)
    link = ctx.linker(page_uri)

    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in (("a", "href"), ("img", "src")):
            return _local_link(ctx, finding, value, link, is_link=tag == "a")
        return value

    if ctx.settings.allow_raw_html:
        return Markup(contain(converted))
    cleaned = nh3.clean(converted, attribute_filter=rewrite,
                        link_rel="noopener noreferrer")
    if "<img" in cleaned:
        cleaned = _REMOTE_IMAGE.sub(_image_link, cleaned)
    # A newline is kept as a character reference, so no line of sanitised text can
    # start a Markdown construct once embedded in the page (see templating._finalize).
    return Markup(cleaned.replace("\n", "&#10;"))


# An image nh3 kept whose source is on another host. nh3 writes every attribute in double
# quotes with `"` and `&` escaped, so the value ends at the next `"`.
_REMOTE_IMAGE = re.compile(r'<img\b[^>]*?\ssrc="((?:https?:)?//[^"]*)"[^>]*>', re.IGNORECASE)
_ALT = re.compile(r'\salt="([^"]*)"')


def _image_link(match: re.Match[str]) -> str:
    """The image as a link to it, named by its text alternative."""
    alt = _ALT.search(match.group(0))
    # An attribute value may hold a raw `<`: as link text it is escaped again.
    name = html.escape(html.unescape(alt.group(1))) if alt and alt.group(1).strip() else "image"
    return (f'<a class="capa-remote-image" href="{match.group(1)}" '
            f'rel="noopener noreferrer">{name} (image on another host)</a>')


def _local_link(ctx: SiteContext, finding: Finding, value: str, link: Link, *,
                is_link: bool = True) -> str | None:
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path or value.startswith("/"):
        return value
    target = parts.path
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if target.endswith(".md") and PurePosixPath(target).stem in ctx.register.by_id:
        return link(finding_uri(PurePosixPath(target).stem)) + fragment
    resolved = resolve_evidence(finding.path, target, ctx.repo_root)
    if resolved.ok and resolved.file is not None and resolved.file.is_relative_to(
            ctx.settings.register_dir):
        uri = published_uri(resolved.file.relative_to(ctx.repo_root).as_posix())
        if not is_link and resolved.file.suffix.lower() not in IMAGE_SUFFIXES:
            return None  # an <img> of a file published as text would show nothing
        if ctx.evidence.publish(uri, resolved.file):
            return link(uri) + fragment
        return None  # held in the repository (`publish: false`): the text stays
    # A local file the site does not publish (outside the register, or missing): the
    # link would be broken, so the text stays and the link goes.
    return None
