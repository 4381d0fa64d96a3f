"""The register's Standard filter and the narrowed management review, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..sites import mkdocs_build, repo_with, write_config
from .test_e2e_browser import _serve, _visible_ids, browser, page  # noqa: F401
from .test_standards_site import STANDARDS, _register


@pytest.fixture(scope="module")
def standards_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = repo_with(tmp_path_factory.mktemp("standards-e2e"), _register)
    write_config(root, {"standards": STANDARDS})
    mkdocs_build(root / "mkdocs.yml")
    with _serve(root / "site") as url:
        yield url


def test_the_register_filters_by_standard(page, standards_url: str) -> None:  # noqa: F811
    page.goto(standards_url + "register/")
    assert page.locator(".capa-count").text_content() == "5 of 5 findings shown"
    page.select_option("select[name=standard]", "9001")
    assert _visible_ids(page) == ["CAPA-2026-005", "CAPA-2026-006"]
    assert "standard=9001" in page.url
    page.select_option("select[name=standard]", "27001")
    assert _visible_ids(page) == ["CAPA-2026-004", "CAPA-2026-005"]
    page.goto(standards_url + "register/?standard=14001")
    assert _visible_ids(page) == ["CAPA-2026-007"]


def test_a_narrowed_review_figure_opens_the_register_narrowed_too(
        page, standards_url: str) -> None:  # noqa: F811
    page.goto(standards_url + "management-review/9001/")
    page.click("a[href*='status=closed&severity=minor']")
    page.wait_for_url("**/register/?*")
    assert "standard=9001" in page.url
    assert _visible_ids(page) == ["CAPA-2026-005", "CAPA-2026-006"]  # of five closed minors
