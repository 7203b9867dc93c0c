"""The web app in a real browser: Playwright for Python driving Debian's chromium (Playwright's
own browser download is not reachable here) against the app on a devhost over loopback.
`make test` installs chromium where it is missing; without it these tests fail, never skip."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.app import start_app
from tests.support.devhost_process import DevhostProcess

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
ALL = "Reports.Admin, Reports.AllClients"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: `make test` installs Debian's chromium package"
    return found


@pytest.fixture(scope="module")
def web(storage_connection, tmp_path_factory) -> Iterator[DevhostProcess]:
    """The app on a devhost of its own, its Easy Auth emulator on (as `make run`)."""
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("web"))
    yield host
    host.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Browser):
    """Pages in fresh browser contexts (each its own cookies), closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      accept_downloads=True)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, base_url: str, name: str, roles: str = ALL,
            claims: list[dict[str, str]] | None = None, start: str = "/") -> None:
    """Through the devhost's sign-in form, as a person would."""
    page.goto(base_url + start)
    assert "/.auth/login/aad" in page.url  # no session: the page sent us to sign in
    page.get_by_label("Username").fill(name)
    page.get_by_label("Roles").fill(roles)
    page.get_by_label("Claims").fill(json.dumps(claims or []))
    page.get_by_role("button", name="Login").click()
    page.wait_for_url(base_url + start)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations of the page as it is now."""
    page.evaluate(AXE.read_text())  # evaluated by DevTools: the page's CSP does not apply
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]
