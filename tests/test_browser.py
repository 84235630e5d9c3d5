"""The Lifecycle sidebar in a real JupyterLab, driven in Debian's Chromium by Playwright.

One ``jupyter lab`` (this checkout's server extension and built front end, a
temporary root and SQLite store) serves every test of the module; each test
opens a fresh page. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import cli_env, require

from lifecycle_lab.server.launcher import BUILT_LABEXTENSION, JupyterLabProcess

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-gpu"]
ARTIFACTS = ROOT / "test-artifacts"
API = "/lifecycle-lab/api"
PROJECT = "example_notebooks"
NOTEBOOK = f"{PROJECT}/train.ipynb"
SIDEBAR = "#lifecycle-lab-sidebar"
XSS = "<img src=x onerror=alert(1)>"


def noisy_notebook() -> nbformat.NotebookNode:
    """An unseeded 'training' notebook with the outputs of an earlier run saved: a rerun prints other numbers."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Unseeded training\nEvery run draws new noise: the rerun catches it."),
        nbformat.v4.new_code_cell("import random\nepochs = 3\nprint('epochs:', epochs)",
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="epochs: 3\n")],
                                  execution_count=1),
        nbformat.v4.new_code_cell("import time\ntime.sleep(2)  # a slow step: the rerun's progress shows it",
                                  execution_count=2),
        nbformat.v4.new_code_cell(
            "losses = [round(1 / (i + 1) + random.random() / 100, 4) for i in range(epochs)]\nprint('losses:', losses)",
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="losses: [1.0031, 0.5047, 0.3382]\n")],
            execution_count=3),
    ]
    return nb


# pytest-jupyter's autouse fixtures take the thread's event loop, then close it and clean up an in-process
# server after each test. Here that loop is Playwright's (its sync API runs one in this thread for the module)
# and the server is a subprocess, so both are replaced by no-ops in this module.
@pytest.fixture
def jp_asyncio_loop() -> None:
    """No per-test asyncio loop: Playwright's runs in this thread."""


@pytest.fixture
def jp_server_cleanup() -> None:
    """No in-process jupyter server to clean up."""


@dataclass
class Lab:
    """The running JupyterLab, its root, store and the example project's id."""

    server: JupyterLabProcess
    root: Path
    db_url: str
    project_id: str = ""
    dialogs: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """Call the REST API with the server's token; fail on an error status."""
        status, _, answer = self.server.request(method, API + path, body, headers)
        assert status < 400, (status, answer)
        return answer

    def item(self, key: str) -> dict[str, Any]:
        """An item of the example project as the server has it."""
        return self.api("GET", f"/projects/{self.project_id}/items/{key}")

    def url(self, path: str) -> str:
        """A JupyterLab URL that opens ``path`` (logging in with the token)."""
        return f"{self.server.url}/lab/tree/{path}?token={self.server.token}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab over a copy of the example project (plus an unseeded notebook), on a fresh store."""
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium, Debian package chromium)")
    require((BUILT_LABEXTENSION / "package.json").exists(),
            "the built front end (lifecycle_lab/labextension: `jlpm --cwd labextension build:prod`)")
    base = tmp_path_factory.mktemp("browser")
    root = base / "root"
    shutil.copytree(ROOT / "example_notebooks", root / PROJECT)
    nbformat.write(noisy_notebook(), root / PROJECT / "noisy.ipynb")
    manifest = root / PROJECT / "lifecycle.yaml"
    manifest.write_text(manifest.read_text().replace("- train.ipynb", "- train.ipynb\n- noisy.ipynb"))
    (root / "fresh").mkdir()
    scratch = nbformat.v4.new_notebook()
    scratch.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(scratch, root / "fresh" / "scratch.ipynb")
    db_url = f"sqlite:///{base / 'store.sqlite'}"
    settings = {"lifecycle-lab:plugin": {"refreshInterval": 1}}
    # Rerun outputs are written under .lifecycle/runs/, which jupyter-server serves only when allowed.
    args = ["--ContentsManager.allow_hidden=True"]
    with JupyterLabProcess(root, db_url, settings=settings, args=args) as server:
        lab = Lab(server, root, db_url)
        lab.project_id = lab.api("GET", f"/projects?path={PROJECT}")["id"]
        yield lab


@pytest.fixture(scope="module")
def browser(lab: Lab) -> Iterator[Any]:
    """Debian's Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page that records every JavaScript dialog (alert, confirm, prompt); a screenshot when the test ends."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    lab.dialogs.clear()

    def on_dialog(dialog: Any) -> None:
        if dialog.type == "beforeunload":  # JupyterLab asking before a reload leaves an open notebook
            dialog.accept()
            return
        lab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def open_sidebar(page: Any, lab: Lab, path: str = NOTEBOOK) -> Any:
    """Open the notebook ``path`` in JupyterLab and show the Lifecycle sidebar; returns the sidebar."""
    page.goto(lab.url(path))
    # The notebook opens once the layout is restored, which may show or hide the sidebar by itself.
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    sidebar = page.locator(SIDEBAR)
    tab = page.locator("li[data-id='lifecycle-lab-sidebar']")
    for _ in range(5):
        if sidebar.is_visible():
            break
        if "lm-mod-current" not in (tab.get_attribute("class") or ""):
            tab.click()
        page.wait_for_timeout(500)
    sidebar.wait_for(state="visible", timeout=10_000)
    return sidebar


def widen_sidebar(page: Any, width: int = 440) -> None:
    """Drag the handle between the left area and the main area so the sidebar is ``width`` pixels wide."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(width + 33, box["y"] + box["height"] / 2, steps=5)  # 33: the tab bar left of the panel
    page.mouse.up()


def item_row(page: Any, key: str) -> Any:
    """The sidebar's row of an item."""
    return page.locator(f"{SIDEBAR} li[data-item='{key}']")


def wait_until(check: Any, timeout: float = 10.0) -> Any:
    """Poll ``check()`` until it returns something truthy; its last value otherwise fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "condition not met in time"
            return value
        time.sleep(0.2)


def test_sidebar_shows_the_project_of_the_open_notebook(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    expect(sidebar.locator(".jp-LifecycleLab-projectName")).to_have_text("Toy classifier", timeout=30_000)
    expect(sidebar.locator("[role=progressbar]")).to_have_attribute("aria-valuemax", "100")
    expect(sidebar.locator("[data-status=blocked]")).to_be_visible()
    stages = sidebar.locator("section.jp-LifecycleLab-stage")
    expect(stages).to_have_count(11)
    expect(sidebar.locator("li.jp-LifecycleLab-item")).to_have_count(74)
    expect(page.locator(".jp-LifecycleLab-statusButton")).to_have_text(re.compile(r"Lifecycle \d+% · blocked"))
    assert lab.dialogs == []


def test_status_and_due_date_changes_are_persisted(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "framing/problem-statement")
    row.get_by_label("Status of Problem statement").select_option("in_progress")
    wait_until(lambda: lab.item("framing/problem-statement")["status"] == "in_progress")

    row.get_by_role("button", name="Details of Problem statement").click()
    row.get_by_label("Due date of Problem statement").fill("2031-03-15")
    row.get_by_label("Owner of Problem statement").fill("dana")
    row.get_by_role("button", name="Save").click()
    saved = wait_until(lambda: (item := lab.item("framing/problem-statement"))["due"] == "2031-03-15" and item)
    assert saved["owner"] == "dana"
    assert saved["status"] == "in_progress"
    assert saved["version"] == 2
    expect(row.locator(".jp-LifecycleLab-due")).to_have_text("due 2031-03-15")


def test_not_applicable_needs_a_justification(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "framing/explainability-requirements")
    status = row.get_by_label("Status of Explainability requirements")
    status.select_option("not_applicable")
    justification = row.get_by_label("Justification for Explainability requirements")
    expect(justification).to_be_visible()
    assert lab.item("framing/explainability-requirements")["status"] == "todo"
    justification.fill("Batch scoring only; no individual decisions are explained to customers.")
    row.get_by_role("button", name="Mark not applicable").click()
    saved = wait_until(lambda: (item := lab.item("framing/explainability-requirements"))["status"] == "not_applicable"
                       and item)
    assert saved["justification"].startswith("Batch scoring only")
    expect(status).to_have_value("not_applicable")


def test_approving_a_stage_records_the_signoff(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    stage = sidebar.locator("section[data-stage=framing]")
    stage.get_by_role("button", name="Sign off Framing…").click()
    stage.get_by_label("Role signing Framing").select_option("model-owner")
    stage.get_by_label("Sign-off comment for Framing").fill("Scope agreed in the kickoff.")
    stage.get_by_role("button", name="Approve").click()
    expect(stage.locator("li[data-role=model-owner]")).to_contain_text("approved")
    view = lab.api("GET", f"/projects/{lab.project_id}")
    signoff = [s for s in view["signoffs"] if s["stage"] == "framing"][-1]
    assert signoff["role"] == "model-owner"
    assert signoff["decision"] == "approve"
    assert signoff["comment"] == "Scope agreed in the kickoff."
    assert signoff["outdated"] is False


def test_a_change_made_with_the_cli_appears_within_3_seconds(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "data/data-curation")
    expect(row).to_be_visible(timeout=30_000)
    result = subprocess.run(
        [sys.executable, "-m", "lifecycle_lab.cli", "set", "data/data-curation", "--status", "blocked",
         "--note", "waiting for the labelled sample"],
        cwd=lab.root / PROJECT, env=cli_env(lab.db_url, LIFECYCLE_LAB_USER="cli-user"),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    written = time.monotonic()
    expect(row.locator(".jp-LifecycleLab-notesExcerpt")).to_have_text("waiting for the labelled sample", timeout=3_000)
    expect(row.get_by_label("Status of Data curation")).to_have_value("blocked", timeout=500)
    assert time.monotonic() - written < 3.0


def test_a_note_with_markup_renders_as_text(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "data/labeling-standards")
    row.get_by_role("button", name="Details of Labeling standards").click()
    row.get_by_label("Notes on Labeling standards").fill(f"Reviewed {XSS} twice")
    row.get_by_role("button", name="Save").click()
    wait_until(lambda: XSS in lab.item("data/labeling-standards")["notes"])
    page.reload()
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    expect(page.locator(SIDEBAR)).to_be_visible()  # the layout restorer reopened it
    excerpt = item_row(page, "data/labeling-standards").locator(".jp-LifecycleLab-notesExcerpt")
    expect(excerpt).to_have_text(f"Reviewed {XSS} twice", timeout=30_000)
    assert page.locator(f"{SIDEBAR} img").count() == 0
    page.wait_for_timeout(1_000)  # time for a broken image's onerror to fire, were it markup
    assert lab.dialogs == []


def test_an_edit_refused_as_stale_shows_the_newer_value_and_can_be_reapplied(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    key = "data/retention-policy"
    row = item_row(page, key)
    row.get_by_role("button", name="Details of Data retention policy").click()
    row.get_by_label("Notes on Data retention policy").fill("Keep raw data 90 days")
    # Another tab writes the same item before this one saves.
    version = lab.item(key)["version"]
    lab.api("PATCH", f"/projects/{lab.project_id}/items/{key}", {"notes": "Keep raw data 30 days"},
            {"If-Match": f'"{version}"'})
    expect(row.locator(".jp-LifecycleLab-muted", has_text="last changed")).to_be_visible(timeout=5_000)
    row.get_by_role("button", name="Save").click()
    conflict = row.locator(".jp-LifecycleLab-conflict")
    expect(conflict.locator(".jp-LifecycleLab-conflictTheirs")).to_have_text("Keep raw data 30 days")
    expect(conflict.locator(".jp-LifecycleLab-conflictMine")).to_have_text("Keep raw data 90 days")
    assert lab.item(key)["notes"] == "Keep raw data 30 days"
    conflict.get_by_role("button", name="Re-apply my change").click()
    wait_until(lambda: lab.item(key)["notes"] == "Keep raw data 90 days")
    expect(conflict).to_have_count(0)


def test_audit_log_shows_the_verified_chain(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    sidebar.get_by_role("button", name="Audit log").click()
    audit = page.locator(".jp-LifecycleLab-audit")
    expect(audit.locator("[data-chain=ok]")).to_contain_text("Hash chain verified")
    expect(audit.locator("tbody tr").first).to_be_visible()


def test_a_folder_without_a_project_can_be_initialised(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab, "fresh/scratch.ipynb")
    button = sidebar.get_by_role("button", name="Initialise lifecycle project here")
    expect(button).to_be_visible(timeout=30_000)
    sidebar.get_by_label("Checklist template").select_option("minimal")
    button.click()
    expect(sidebar.locator(".jp-LifecycleLab-projectName")).to_have_text("fresh", timeout=30_000)
    assert (lab.root / "fresh" / "lifecycle.yaml").exists()
    assert lab.api("GET", "/projects?path=fresh")["template"] == "minimal"


def test_an_item_can_be_edited_with_the_keyboard_alone(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "data/privacy-compliance")
    disclosure = row.get_by_role("button", name="Details of Privacy compliance")
    disclosure.focus()
    page.keyboard.press("Enter")
    expect(disclosure).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(row.get_by_label("Status of Privacy compliance")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_label("Owner of Privacy compliance")).to_be_focused()
    page.keyboard.type("erin")
    page.keyboard.press("Enter")
    wait_until(lambda: lab.item("data/privacy-compliance")["owner"] == "erin")
    notes = row.get_by_label("Notes on Privacy compliance")
    notes.focus()
    page.keyboard.type("DPIA signed by the DPO")
    page.keyboard.press("Control+Enter")
    wait_until(lambda: lab.item("data/privacy-compliance")["notes"] == "DPIA signed by the DPO")


def test_palette_commands_open_the_sidebar_and_the_audit_log(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    page.locator("li[data-id='filebrowser']").click()
    expect(page.locator(SIDEBAR)).to_be_hidden()

    def run_command(label: str) -> None:
        page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
        page.locator(".lm-Menu-itemLabel:text-is('Activate Command Palette')").click()
        palette = page.locator("#command-palette input")
        expect(palette).to_be_focused()
        palette.fill(label)
        page.locator("#command-palette .lm-CommandPalette-item", has_text=label).first.click()

    run_command("Open Lifecycle Checklist")
    expect(page.locator(SIDEBAR)).to_be_visible()
    run_command("Show Lifecycle Audit Log")
    expect(page.locator(".jp-LifecycleLab-audit [data-chain=ok]")).to_be_visible()


def test_rerun_shows_progress_then_verdicts_and_the_diff_of_a_nondeterministic_notebook(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    widen_sidebar(page)
    sidebar.get_by_role("button", name="Rerun notebooks").click()
    run = sidebar.locator(".jp-LifecycleLab-run")
    expect(run).to_be_visible()
    # Live progress: while the run is active each notebook shows its cells done out of its total.
    seen: set[str] = set()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and run.locator("[data-verdict=differs]").count() == 0:
        if sidebar.get_by_role("button", name="Cancel run").count():
            seen.update(run.locator(".jp-LifecycleLab-cellCount").all_inner_texts())
        page.wait_for_timeout(100)
    expect(run.locator("[data-verdict=differs]")).to_be_visible()
    assert any(re.fullmatch(r"[0-3] / 4 cells", text) for text in seen), seen  # noisy.ipynb part way
    noisy = run.locator("li[data-notebook='noisy.ipynb']")
    train = run.locator("li[data-notebook='train.ipynb']")
    expect(noisy.locator(".jp-LifecycleLab-badge")).to_have_text("Differs")
    expect(train.locator(".jp-LifecycleLab-badge")).to_have_text("Reproduced")
    expect(noisy.locator(".jp-LifecycleLab-cellCount")).to_have_text("4 / 4 cells")
    evidence = lab.item("experimentation/reproducibility-rerun")["evidence"]
    assert evidence["verdict"] == "differs"
    expect(item_row(page, "experimentation/reproducibility-rerun")).to_contain_text("Last rerun: Differs")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar.png"))

    noisy.get_by_role("button", name="Show 1 differing cell").click()
    diff = page.locator(".jp-LifecycleLab-diffView")
    expect(diff).to_be_visible()
    expect(diff.locator(".jp-LifecycleLab-tolerance")).to_contain_text("rel 0.000001, abs 1e-9")
    cell = diff.locator(".jp-LifecycleLab-diffCell")
    expect(cell).to_have_count(1)
    expect(cell.locator(".jp-LifecycleLab-diffSource")).to_contain_text("random.random()")
    saved = cell.locator(".jp-LifecycleLab-diffSide").nth(0)
    expect(saved.locator("mark.jp-LifecycleLab-diff-differs").first).to_have_text("1.0031")
    rerun = cell.locator(".jp-LifecycleLab-diffSide").nth(1)
    assert rerun.locator("mark.jp-LifecycleLab-diff-differs").count() >= 1
    assert "losses: [" in rerun.inner_text()
    page.screenshot(path=str(ARTIFACTS / "diff.png"))

    diff.get_by_role("button", name="Open executed notebook").click()
    run_id = evidence["run_id"]
    expect(page.locator(f".lm-DockPanel-tabBar li[title*='.lifecycle/runs/{run_id}/noisy.ipynb']")).to_be_visible()


def export_from_sidebar(page: Any, lab: Lab, fmt: str) -> Path:
    """Choose ``fmt`` in the sidebar's export control, click Export and save the download in test-artifacts/."""
    sidebar = open_sidebar(page, lab)
    sidebar.get_by_label("Export format").select_option(fmt)
    with page.expect_download(timeout=60_000) as download_info:
        sidebar.get_by_role("button", name="Export", exact=True).click()
    download = download_info.value
    assert re.fullmatch(rf"toy-classifier-lifecycle-\d{{8}}\.{fmt}", download.suggested_filename)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / download.suggested_filename
    download.save_as(target)
    return target


def test_export_downloads_a_pdf_of_the_project(page: Any, lab: Lab) -> None:
    from pypdf import PdfReader

    pdf = export_from_sidebar(page, lab, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = "".join(page_.extract_text() for page_ in PdfReader(pdf).pages)
    assert "Toy classifier" in text
    assert "Problem statement" in text


def test_export_downloads_markdown(page: Any, lab: Lab) -> None:
    markdown = export_from_sidebar(page, lab, "md").read_text(encoding="utf-8")
    assert "Toy classifier" in markdown
    assert "Problem statement" in markdown


def use_theme(page: Any, theme: str) -> None:
    """Settings ▸ Theme ▸ ``theme`` through JupyterLab's menus."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel:text-is('Theme')").click()
    page.locator(f".lm-Menu-itemLabel:text-is('{theme}')").click()


def test_sidebar_follows_the_dark_theme(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    light = sidebar.evaluate("node => getComputedStyle(node).backgroundColor")
    use_theme(page, "JupyterLab Dark")
    expect(page.locator("body[data-jp-theme-light=false]")).to_have_count(1, timeout=30_000)
    expect(sidebar.locator(".jp-LifecycleLab-projectName")).to_be_visible()

    def luminance(css: str) -> float:
        red, green, blue = (int(v) for v in re.findall(r"\d+", css)[:3])
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    dark = sidebar.evaluate("node => getComputedStyle(node).backgroundColor")
    text = sidebar.locator(".jp-LifecycleLab-projectName").evaluate("node => getComputedStyle(node).color")
    assert luminance(light) > 200 > 80 > luminance(dark), (light, dark)
    assert luminance(text) > 150, text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar-dark.png"))
    use_theme(page, "JupyterLab Light")
    expect(page.locator("body[data-jp-theme-light=true]")).to_have_count(1, timeout=30_000)
