"""The Lifecycle panel, its status item and its commands in Notebook 7 (``jupyter notebook``), in Chromium.

Notebook 7 runs JupyterLab extensions in its own shell: a left sidebar shown from View › Left Sidebar, a
top area and no status bar. One ``jupyter notebook`` (this checkout's server extension and built front end)
over a copy of the example project serves the module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

# The browser module's no-op replacements of pytest-jupyter's per-test loop and cleanup apply here too.
from test_browser import (  # noqa: F401 (fixtures used by name)
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT,
    ROOT,
    example_store,
    jp_asyncio_loop,
    jp_server_cleanup,
)

from lifecycle_lab.pytest_plugin import JupyterLabProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

NOTEBOOK = f"{PROJECT}/03-train.ipynb"


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLabProcess]:
    """``jupyter notebook`` (Notebook 7) over a copy of the example project with its shipped state."""
    root, db_url = example_store(tmp_path_factory.mktemp("notebook7"))
    server = JupyterLabProcess(root, db_url, settings={"lifecycle-lab:plugin": {"refreshInterval": 1}})
    # The same private extension and settings folders, served by Notebook 7's application instead of JupyterLab's.
    server.app = "notebook"
    server.args = [arg.replace("--LabApp.", "--JupyterNotebookApp.") for arg in server.args]
    with server:
        yield server


@pytest.fixture
def page(notebook7: JupyterLabProcess, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh 1400×900 page in Debian's Chromium; a screenshot in test-artifacts/ when the test ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        page.screenshot(path=str(ROOT / "test-artifacts" / f"{request.node.name}.png"))
        browser.close()


def test_notebook_7_opens_the_panel_from_the_view_menu_shows_the_status_and_runs_the_commands(
        page: Any, notebook7: JupyterLabProcess) -> None:
    from playwright.sync_api import expect

    page.goto(f"{notebook7.url}/notebooks/{NOTEBOOK}?token={notebook7.token}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    sidebar = page.locator("#lifecycle-lab-sidebar")
    expect(sidebar).to_be_hidden()
    # View › Left Sidebar › Show Lifecycle checklist
    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
    page.locator(".lm-Menu-itemLabel:text-is('Left Sidebar')").hover()
    page.locator(".lm-Menu-itemLabel:text-is('Show Lifecycle checklist')").click()
    expect(sidebar.locator(".jp-LifecycleLab-projectName")).to_have_text("Credit default model", timeout=30_000)
    # No status bar in Notebook 7: the status item sits in the top area and opens the panel.
    status = page.locator("#lifecycle-lab-status .jp-LifecycleLab-statusButton")
    expect(status).to_have_text(re.compile(r"Lifecycle \d+% · blocked"))
    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
    page.locator(".lm-Menu-itemLabel:text-is('Left Sidebar')").hover()
    page.locator(".lm-Menu-itemLabel", has_text="Lifecycle checklist").click()  # the same entry hides it
    expect(sidebar).to_be_hidden()
    status.click()
    expect(sidebar).to_be_visible()

    def run_command(label: str) -> None:
        page.keyboard.press("Control+Shift+C")
        palette = page.locator(".jp-ModalCommandPalette input, #command-palette input").first
        expect(palette).to_be_focused()
        palette.fill(label)
        page.locator(".lm-CommandPalette-item", has_text=label).first.click()

    run_command("Show Lifecycle Audit Log")
    expect(page.locator(".jp-LifecycleLab-audit [data-chain=ok]")).to_be_visible(timeout=30_000)


def test_notebook_7_reruns_from_the_panel_and_shows_the_differences(page: Any, notebook7: JupyterLabProcess) -> None:
    from playwright.sync_api import expect

    page.goto(f"{notebook7.url}/notebooks/{NOTEBOOK}?token={notebook7.token}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    sidebar = page.locator("#lifecycle-lab-sidebar")
    if not sidebar.is_visible():
        page.locator("#lifecycle-lab-status .jp-LifecycleLab-statusButton").click()
    sidebar.get_by_role("button", name="Rerun notebooks").click(timeout=30_000)
    run = sidebar.locator(".jp-LifecycleLab-run[data-run]")
    expect(sidebar.get_by_role("button", name="Cancel run")).to_be_visible()
    expect(run.locator("[data-verdict=differs]")).to_be_visible(timeout=300_000)
    nondeterministic = run.locator("li[data-notebook='nondeterministic.ipynb']")
    expect(nondeterministic.locator(".jp-LifecycleLab-badge")).to_have_text("Differs")
    nondeterministic.get_by_role("button", name="Show 2 differing cells").click()
    # Notebook 7's main area holds the notebook alone: the diff view opens beside it, in the down area.
    diff = page.locator(".jp-LifecycleLab-diffView")
    expect(diff).to_be_visible(timeout=30_000)
    cells = diff.locator(".jp-LifecycleLab-diffCell")
    expect(cells).to_have_count(2)
    expect(cells.first.locator(".jp-LifecycleLab-diffSource")).to_contain_text("loans.sample(")
    expect(cells.first.locator("mark.jp-LifecycleLab-diff-differs").first).to_be_visible()
