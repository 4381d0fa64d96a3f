"""Files the build writes for the host that serves the site: robots.txt, a ``_headers``
file (Netlify, Cloudflare Pages) and ``staticwebapp.config.json`` (Azure Static Web Apps).

A static host sends no security headers of its own; these files ask the hosts that read
them for the same policy every page carries in its ``<meta>``, plus what only a header can
say (who may frame the site). Plain text in, text out: the plugin and ``capa render``
write the same files.
"""

from __future__ import annotations

import json

from ..contract.settings import AzureAccess, Settings
from .csp import GENERATOR_POLICY

ROBOTS_TXT = "robots.txt"
HEADERS_FILE = "_headers"
AZURE_FILE = "staticwebapp.config.json"

ROBOTS_META = "noindex, nofollow"
PRIVATE_ROBOTS = (
    "# A register of security weaknesses is private: no search engine may index it.\n"
    "# (capa-docs writes this file; set `public: true` in the capa block to publish.)\n"
    "User-agent: *\n"
    "Disallow: /\n")

# The policy a web server adds to every response when it cannot send each page's hashes
# (nginx, Apache): each page's <meta> carries those, and both policies apply, so the
# header adds what only a header can say and repeats what needs no hash.
SERVER_POLICY = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'none'"

# Powerful features a register never uses, each refused to the page and anything it frames.
PERMISSIONS = ("accelerometer", "camera", "display-capture", "geolocation", "gyroscope",
               "magnetometer", "microphone", "midi", "payment", "usb")


def security_headers(csp: str, *, private: bool) -> dict[str, str]:
    """The response headers every file of the site should carry, in a fixed order."""
    headers = {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": ", ".join(f"{name}=()" for name in PERMISSIONS),
    }
    if private:
        headers["X-Robots-Tag"] = ROBOTS_META
    return headers


def headers_file(headers: dict[str, str]) -> str:
    """``_headers`` as Netlify and Cloudflare Pages read it: a path, then each header
    indented on its own line."""
    lines = ["# Security headers for every file of the register (capa-docs writes this file).",
             "/*"]
    lines += [f"  {name}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def azure_config(headers: dict[str, str], access: AzureAccess) -> str:
    """``staticwebapp.config.json``: every route needs a signed-in user with one of the
    roles; a visitor who is not signed in is sent to the Microsoft Entra sign-in.

    With a tenant, sign-in goes through the organisation's own app registration (a custom
    provider, which turns the pre-configured GitHub and Microsoft providers off); without
    one, the pre-configured Microsoft provider signs in and only users invited to one of
    the roles get in, and the GitHub provider is closed.
    """
    routes: list[dict[str, object]] = []
    config: dict[str, object] = {}
    if access.tenant is None:
        routes += [{"route": "/.auth/login/github", "statusCode": 404},
                   {"route": "/.auth/login/twitter", "statusCode": 404}]
    routes.append({"route": "/*", "allowedRoles": list(access.roles)})
    config["routes"] = routes
    config["responseOverrides"] = {
        "401": {"statusCode": 302, "redirect": "/.auth/login/aad"},
        "404": {"rewrite": "/404.html"},
    }
    config["globalHeaders"] = headers
    if access.tenant is not None:
        config["auth"] = {"identityProviders": {"azureActiveDirectory": {"registration": {
            "openIdIssuer": f"https://login.microsoftonline.com/{access.tenant}/v2.0",
            "clientIdSettingName": "AZURE_CLIENT_ID",
            "clientSecretSettingName": "AZURE_CLIENT_SECRET",
        }}}}
    return json.dumps(config, indent=2) + "\n"


def generator_host_files(settings: Settings) -> dict[str, bytes]:
    """What ``capa render`` writes for the host beside the pages: robots.txt unless the
    register is public, ``_headers`` with the policy it can know, and the Azure file."""
    headers = security_headers(GENERATOR_POLICY, private=not settings.public)
    files = {HEADERS_FILE: headers_file(headers)}
    if not settings.public:
        files[ROBOTS_TXT] = PRIVATE_ROBOTS
    if settings.azure_static_web_apps is not None:
        files[AZURE_FILE] = azure_config(headers, settings.azure_static_web_apps)
    return {name: text.encode("utf-8") for name, text in sorted(files.items())}
