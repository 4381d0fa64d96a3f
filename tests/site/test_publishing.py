"""Publishing is a decision (issue 14, items 4 and 5): the publish workflows deploy to
GitHub Pages only with the opt-in variable, and each recipe of "Publishing privately" that
can be checked here parses and says what the page says."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from capa_docs.cli.starter import SITE_CHOICES, default_install, starter_files
from capa_docs.contract.settings import settings_from_mapping
from capa_docs.site.hosting import SERVER_POLICY, security_headers

from ..gate.test_gate import actionlint  # noqa: F401 - the session fixture

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "publishing-privately.md"
PUBLISH_WORKFLOWS: dict[str, Path | str] = {
    "this repository's": ROOT / ".github" / "workflows" / "pages.yml",
    # What capa init writes, for each site generator (the template filled in).
    **{f"capa init's, {site}": next(
        file.content for file in starter_files("ACME", "github", default_install(), site)
        if file.path == ".github/workflows/register-site.yml") for site in SITE_CHOICES},
}
OPT_IN = "CAPA_PUBLISH_PAGES"
PAGES_ACTIONS = ("actions/deploy-pages", "actions/upload-pages-artifact")


# --- GitHub Actions expressions, as far as an `if:` here uses them ---------------------

_TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\))|'((?:[^']|'')*)'|([A-Za-z_][\w.-]*)(\(\))?)")


def evaluate(expression: str, contexts: dict[str, dict[str, str]]) -> bool:
    """An ``if:`` as GitHub evaluates it, for the subset these workflows use: contexts,
    string literals, == and != (strings compared ignoring case, as GitHub does), !, &&,
    ||, parentheses and the status functions. Anything else fails the test."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    tokens, at = [], 0
    while at < len(text.rstrip()):
        match = _TOKEN.match(text, at)
        assert match, f"cannot read {text[at:]!r} in {expression!r}"
        tokens.append(match)
        at = match.end()
    value, rest = _or(tokens, contexts)
    assert not rest, f"left over in {expression!r}"
    # GitHub adds `success() &&` to an `if:` without a status function; the jobs this
    # models succeed, so that changes nothing.
    return bool(value)


def _or(tokens, contexts):
    value, tokens = _and(tokens, contexts)
    while tokens and tokens[0].group(1) == "||":
        right, tokens = _and(tokens[1:], contexts)
        value = value or right
    return value, tokens


def _and(tokens, contexts):
    value, tokens = _compare(tokens, contexts)
    while tokens and tokens[0].group(1) == "&&":
        right, tokens = _compare(tokens[1:], contexts)
        value = value and right
    return value, tokens


def _compare(tokens, contexts):
    value, tokens = _unary(tokens, contexts)
    while tokens and tokens[0].group(1) in ("==", "!="):
        operator = tokens[0].group(1)
        right, tokens = _unary(tokens[1:], contexts)
        same = str(value or "").lower() == str(right or "").lower()
        value = same if operator == "==" else not same
    return value, tokens


def _unary(tokens, contexts):
    token = tokens[0]
    if token.group(1) == "!":
        value, rest = _unary(tokens[1:], contexts)
        return not value, rest
    if token.group(1) == "(":
        value, rest = _or(tokens[1:], contexts)
        assert rest and rest[0].group(1) == ")"
        return value, rest[1:]
    if token.group(2) is not None:
        return token.group(2).replace("''", "'"), tokens[1:]
    name = token.group(3)
    assert name, f"unexpected {token.group(0)!r}"
    if token.group(4):
        assert name in ("success", "always"), f"{name}() is not modelled"
        return True, tokens[1:]
    if name in ("true", "false"):
        return name == "true", tokens[1:]
    context, _, key = name.partition(".")
    return contexts.get(context, {}).get(key, ""), tokens[1:]


def test_the_evaluator_reads_github_expressions() -> None:
    contexts = {"vars": {"A": "True"}}
    assert evaluate("vars.A == 'true'", contexts) is True  # GitHub ignores case
    assert evaluate("vars.B == 'true'", contexts) is False
    assert evaluate("${{ vars.B == 'true' || vars.A == 'true' }}", contexts) is True
    assert evaluate("!(vars.A != 'true') && always()", contexts) is True
    assert evaluate("vars.A == 'it''s'", contexts) is False


def _load(workflow: Path | str) -> dict[Any, Any]:
    data = yaml.safe_load(workflow.read_text() if isinstance(workflow, Path) else workflow)
    data["on"] = data.pop(True, data.get("on"))
    return data


def _publishing(job: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The places that publish: a job allowed to write Pages, and each Pages step."""
    found = []
    if (job.get("permissions") or {}).get("pages") == "write":
        found.append(("job", job))
    for step in job.get("steps", []):
        if step.get("uses", "").split("@")[0] in PAGES_ACTIONS:
            found.append((step.get("uses", ""), step))
    return found


@pytest.mark.parametrize("name", sorted(PUBLISH_WORKFLOWS))
def test_nothing_reaches_pages_without_the_opt_in(name: str) -> None:
    data = _load(PUBLISH_WORKFLOWS[name])
    jobs = data["jobs"]
    places = [(job_name, what, where) for job_name, job in jobs.items()
              for what, where in _publishing(job)]
    assert {what.split("@")[0] for _, what, _ in places} >= {"job", *PAGES_ACTIONS}
    for vars_ in ({}, {OPT_IN: ""}, {OPT_IN: "false"}, {OPT_IN: "yes"}, {OPT_IN: "1"},
                  {"OTHER": "true"}):
        for job_name, what, where in places:
            job_runs = evaluate(str(jobs[job_name].get("if", "true")), {"vars": vars_})
            runs = job_runs and evaluate(str(where.get("if", "true")), {"vars": vars_})
            assert not runs, f"{name}: {job_name} {what} runs with vars {vars_}"
    opted_in = {"vars": {OPT_IN: "true"}}
    for job_name, what, where in places:
        runs = (evaluate(str(jobs[job_name].get("if", "true")), opted_in)
                and evaluate(str(where.get("if", "true")), opted_in))
        assert runs, f"{name}: {job_name} {what} does not run when opted in"
    # Whatever the variable, the site is kept as an artifact for the repository's readers.
    build = jobs["build"]
    artifact = next(s for s in build["steps"]
                    if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "if" not in artifact and "if" not in build
    assert artifact["with"]["name"] == "register-site" and artifact["with"]["path"] == "_site"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert set(data["on"]) == {"push", "workflow_dispatch"}  # no workflow_call to bypass it


def test_the_warning_sits_beside_the_opt_in() -> None:
    """The workflow, the docs and the workflow's readers name the variable and the warning
    together."""
    text = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert OPT_IN in text and "WARNING: a GitHub Pages site is PUBLIC" in text
    page = PAGE.read_text()
    warning = page[page.index('!!! warning "GitHub Pages is public"'):]
    warning = warning[:warning.index("\n\n")]
    assert f"**`{OPT_IN}`**" in warning and "Enterprise Cloud" in warning
    assert "publishing-privately.md" in (ROOT / "mkdocs.yml").read_text()


# --- the recipes ---------------------------------------------------------------------

_RECIPE = re.compile(r"<!-- recipe: ([a-z0-9-]+) -->\n```[a-z]+\n(.*?)\n```", re.DOTALL)


def recipes() -> dict[str, str]:
    found = dict(_RECIPE.findall(PAGE.read_text()))
    assert set(found) == {"gitlab-ci", "nginx", "oauth2-proxy", "cloudflare-workflow",
                          "azure-settings", "azure-workflow"}
    return found


def test_gitlab_recipe_is_valid_ci_and_publishes_only_on_request(tmp_path: Path) -> None:
    ci = tmp_path / ".gitlab-ci.yml"
    ci.write_text(recipes()["gitlab-ci"] + "\n")
    checked = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"),
                              "--builtin-schema", "vendor.gitlab-ci", str(ci)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    job = yaml.safe_load(ci.read_text())["pages"]
    assert job["rules"] == [{"if": '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && '
                                   f'${OPT_IN} == "true"'}]
    assert job["artifacts"]["paths"] == ["public"]
    assert job["script"][-1] == "mkdocs build --strict --site-dir public"
    assert "capa validate" in job["script"] and job["variables"]["GIT_DEPTH"] == 0


def _nginx(tmp_path: Path) -> list[dict[str, Any]]:
    crossplane = pytest.importorskip("crossplane")  # a test dependency: pip install '.[test]'
    config = tmp_path / "nginx.conf"
    config.write_text("events {}\nhttp {\n" + recipes()["nginx"] + "\n}\n")
    parsed = crossplane.parse(str(config), strict=True, check_ctx=True, check_args=True)
    assert parsed["status"] == "ok", parsed["errors"]
    http = next(d for d in parsed["config"][0]["parsed"] if d["directive"] == "http")
    (server,) = [d for d in http["block"] if d["directive"] == "server"]
    return server["block"]


def _location(server: list[dict[str, Any]], *args: str) -> list[dict[str, Any]]:
    return next(d["block"] for d in server if d["directive"] == "location" and d["args"] ==
                list(args))


def test_nginx_recipe_parses_signs_in_and_sends_the_servers_headers(tmp_path: Path) -> None:
    server = _nginx(tmp_path)
    site = _location(server, "/")
    directives = {d["directive"]: d["args"] for d in site}
    assert directives["auth_request"] == ["/oauth2/auth"]
    assert directives["error_page"] == ["401", "=", "@sign_in"]
    headers = {d["args"][0]: d["args"][1] for d in site if d["directive"] == "add_header"}
    assert all(d["args"][2:] == ["always"] for d in site if d["directive"] == "add_header")
    assert headers == security_headers(SERVER_POLICY, private=True)
    auth = {d["directive"]: d["args"] for d in _location(server, "=", "/oauth2/auth")}
    assert "internal" in auth and auth["proxy_pass_request_body"] == ["off"]
    sign_in = {d["directive"]: d["args"] for d in _location(server, "@sign_in")}
    assert sign_in["return"] == ["302", "/oauth2/start?rd=$request_uri"]
    proxy = tomllib.loads(recipes()["oauth2-proxy"])
    for location in (_location(server, "/oauth2/"), _location(server, "=", "/oauth2/auth")):
        upstream = next(d["args"][0] for d in location if d["directive"] == "proxy_pass")
        assert upstream == f"http://{proxy['http_address']}"
    # In auth_request mode oauth2-proxy answers 202 itself; nginx serves the files.
    assert proxy["upstreams"] == ["static://202"] and proxy["reverse_proxy"] is True
    assert "client_secret" not in proxy and "cookie_secret" not in proxy  # in the environment


@pytest.mark.parametrize("name", ["cloudflare-workflow", "azure-workflow"])
def test_workflow_recipes_pass_actionlint(actionlint: list[str], tmp_path: Path,  # noqa: F811
                                          name: str) -> None:
    workflow = tmp_path / ".github" / "workflows" / f"{name}.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(recipes()[name] + "\n")
    result = subprocess.run([*actionlint, str(workflow)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    steps = yaml.safe_load(workflow.read_text())["jobs"]["deploy"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert "capa validate" in runs and "mkdocs build --strict --site-dir _site" in runs
    if name == "azure-workflow":
        deploy = steps[-1]["with"]
        assert deploy["app_location"] == "_site" and deploy["skip_app_build"] is True
    else:
        assert "pages deploy _site" in runs[-1]


def test_azure_recipe_settings_are_valid(tmp_path: Path) -> None:
    document = yaml.safe_load(recipes()["azure-settings"])
    block = document["plugins"][0]["capa"]
    access = settings_from_mapping(block, tmp_path).azure_static_web_apps
    assert access is not None and access.tenant == "contoso.onmicrosoft.com"
    assert access.roles == ("authenticated",)
