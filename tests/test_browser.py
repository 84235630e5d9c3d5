"""The Lifecycle sidebar in a real JupyterLab, driven in Debian's Chromium by Playwright.

One ``jupyter lab`` (this checkout's server extension and built front end, a
temporary root and SQLite store) serves every test of the module. A test that
changes what a page shows opens a fresh page (``page``); the tests that only read
share one (``reading_page``), loaded once. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import cli_env, require

from lifecycle_lab.pytest_plugin import BUILT_LABEXTENSION, JupyterLabProcess, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-gpu"]
ARTIFACTS = ROOT / "test-artifacts"
API = "/lifecycle-lab/api"
PROJECT = "example_notebooks"
NOTEBOOK = f"{PROJECT}/03-train.ipynb"
SIDEBAR = "#lifecycle-lab-sidebar"
XSS = "<img src=x onerror=alert(1)>"
AXE = ROOT / "labextension" / "node_modules" / "axe-core" / "axe.min.js"  # a devDependency of the front end


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
    page_errors: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        """Call the REST API with the server's token; fail on an error status."""
        status, _, answer = self.server.request(method, API + path, body, headers)
        assert status < 400, (status, answer)
        return answer

    def item(self, key: str) -> dict[str, Any]:
        """An item of the example project as the server has it."""
        return self.api("GET", f"/projects/{self.project_id}/items/{key}")

    def url(self, path: str, *, reset: bool = True) -> str:
        """A JupyterLab URL that opens ``path`` (logging in with the token).

        ``reset`` starts from an empty workspace: otherwise JupyterLab first restores the last layout,
        then opens ``path`` again, and activates (focuses) the notebook a second time at a moment
        a test cannot see.
        """
        return f"{self.server.url}/lab/tree/{path}?token={self.server.token}" + ("&reset" if reset else "")


def example_store(base: Path) -> tuple[Path, str]:
    """A root holding a copy of the example project and the store its shipped state was imported into.

    Checks Chromium and the built front end first (a browser test needs both); returns (root, db_url).
    """
    require(CHROMIUM.exists(), "Chromium (/usr/bin/chromium, Debian package chromium)")
    require((BUILT_LABEXTENSION / "package.json").exists(),
            "the built front end (lifecycle_lab/labextension: `jlpm --cwd labextension build:prod`)")
    root = base / "root"
    shutil.copytree(ROOT / "example_notebooks", root / PROJECT)
    db_url = f"sqlite:///{base / 'store.sqlite'}"
    # The example's half-finished checklist, loaded as its README says.
    imported = subprocess.run(
        [sys.executable, "-m", "lifecycle_lab.cli", "import", "--skip-existing", "--project", str(root / PROJECT),
         str(root / PROJECT / ".lifecycle" / "state.json")],
        cwd=root, env=cli_env(db_url), capture_output=True, text=True, timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    return root, db_url


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab over a copy of the example project with its shipped state, on a fresh store."""
    root, db_url = example_store(tmp_path_factory.mktemp("browser"))
    (root / "fresh").mkdir()
    scratch = nbformat.v4.new_notebook()
    scratch.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(scratch, root / "fresh" / "scratch.ipynb")
    settings = {"lifecycle-lab:plugin": {"refreshInterval": 1}}
    # Rerun outputs are written under the hidden .lifecycle/runs/: the sidebar opens them without allow_hidden.
    with JupyterLabProcess(root, db_url, settings=settings) as server:
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


def new_page(browser: Any, lab: Lab) -> Any:
    """A page in a new 1400×900 context that records every JavaScript dialog (alert, confirm, prompt) and page error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.on("pageerror", lambda error: lab.page_errors.append(f"{error}\n{error.stack}"))

    def on_dialog(dialog: Any) -> None:
        if dialog.type == "beforeunload":  # JupyterLab asking before a reload leaves an open notebook
            dialog.accept()
            return
        lab.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


@pytest.fixture
def page(browser: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page (see ``new_page``); a screenshot when the test ends."""
    lab.dialogs.clear()
    lab.page_errors.clear()
    page = new_page(browser, lab)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    page.context.close()


@pytest.fixture(scope="module")
def shared_page(browser: Any, lab: Lab) -> Iterator[Any]:
    """One page for the module's tests that change no state the page shows: JupyterLab is loaded once for them."""
    page = new_page(browser, lab)
    open_sidebar(page, lab)
    yield page
    page.context.close()


@pytest.fixture
def reading_page(shared_page: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The shared page with the sidebar shown, for a test that only reads (it leaves the stages as it found them).

    A test using it may open views in the main area and switch themes back and forth, but must not fold, open
    or filter the sidebar's stages for the tests after it; each such test also passes alone.
    """
    lab.dialogs.clear()
    lab.page_errors.clear()
    sidebar = shared_page.locator(SIDEBAR)
    if not sidebar.is_visible():
        shared_page.locator("li[data-id='lifecycle-lab-sidebar']").click()
    sidebar.wait_for(state="visible", timeout=10_000)
    yield shared_page
    ARTIFACTS.mkdir(exist_ok=True)
    shared_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))


def open_sidebar(page: Any, lab: Lab, path: str = NOTEBOOK) -> Any:
    """Open the notebook ``path`` in JupyterLab and show the Lifecycle sidebar; returns the sidebar."""
    page.goto(lab.url(path))
    # The notebook opens once the layout is restored, which may show or hide the sidebar by itself,
    # and then takes the keyboard focus.
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    page.wait_for_function("document.activeElement?.closest('.jp-NotebookPanel') != null", timeout=30_000)
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


def open_stage(page: Any, stage: str) -> Any:
    """The sidebar's section of ``stage``, opened (a click on its heading) if it is folded."""
    section = page.locator(f"{SIDEBAR} section[data-stage='{stage}']")
    heading = section.locator("h3 button")
    heading.wait_for(state="visible", timeout=30_000)
    if heading.get_attribute("aria-expanded") == "false":
        heading.click()
    section.locator(".jp-LifecycleLab-signoffs").wait_for(timeout=10_000)
    return section


def item_row(page: Any, key: str) -> Any:
    """The sidebar's row of an item, shown: its stage opened, and the stage's other rows if it is among them."""
    section = open_stage(page, key.split("/")[0])
    row = section.locator(f"li[data-item='{key}']")
    more = section.locator(".jp-LifecycleLab-showMore")
    if row.count() == 0 and more.count() == 1:
        more.click()
    row.wait_for(timeout=10_000)
    return row


def open_all_stages(page: Any) -> None:
    """Open every stage of the sidebar and show all its rows."""
    for stage in page.locator(f"{SIDEBAR} section.jp-LifecycleLab-stage").all():
        open_stage(page, stage.get_attribute("data-stage"))
    more = page.locator(f"{SIDEBAR} .jp-LifecycleLab-showMore")
    while more.count():
        more.first.click()


def test_sidebar_shows_the_project_of_the_open_notebook(reading_page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    page = reading_page
    sidebar = page.locator(SIDEBAR)
    expect(sidebar.locator(".jp-LifecycleLab-projectName")).to_have_text("Credit default model", timeout=30_000)
    expect(sidebar.locator("[role=progressbar]")).to_have_attribute("aria-valuemax", "100")
    expect(sidebar.locator("[data-status=blocked]")).to_be_visible()
    stages = sidebar.locator("section.jp-LifecycleLab-stage")
    expect(stages).to_have_count(11)
    expect(sidebar.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "31")
    expect(page.locator(".jp-LifecycleLab-statusButton")).to_have_text("Lifecycle 31% · blocked")
    # Only the stage the project is at is open (Framing's gate passed, Data's has not); the others are one
    # line each, their rows not rendered. Data's items are all done: they wait behind one button.
    expect(sidebar.locator("section h3 button[aria-expanded=true]")).to_have_text("▾ Data")
    expect(stages.filter(has_text="Governance").locator(".jp-LifecycleLab-stageProgress")).to_have_text("0/5")
    expect(sidebar.locator("li.jp-LifecycleLab-item")).to_have_count(0)
    data = sidebar.locator("section[data-stage=data]")
    data.get_by_role("button", name="Show the 8 closed items").click()
    expect(data.locator("li.jp-LifecycleLab-item")).to_have_count(8)
    # A filter opens the stages holding its matches.
    sidebar.get_by_label("Overdue").check()
    overdue = sidebar.locator("li[data-item='governance/privacy-controls']")
    expect(overdue).to_have_class(re.compile("jp-LifecycleLab-overdue"))
    expect(overdue.locator(".jp-LifecycleLab-due")).to_have_text("overdue since 2026-11-13")
    overdue_keys = lab.api("GET", f"/projects/{lab.project_id}")["overdue"]
    expect(sidebar.locator("li.jp-LifecycleLab-item")).to_have_count(len(overdue_keys))
    sidebar.get_by_label("Overdue").uncheck()  # and the stages are as before, Data's rows behind their button
    expect(sidebar.locator("section h3 button[aria-expanded=true]")).to_have_text("▾ Data")
    expect(sidebar.locator("li.jp-LifecycleLab-item")).to_have_count(0)
    assert lab.dialogs == []


def test_the_header_shows_the_coverage_of_the_frameworks_the_manifest_lists(reading_page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = reading_page.locator(SIDEBAR)
    frameworks = sidebar.locator(".jp-LifecycleLab-coverage li")
    expect(frameworks).to_have_count(2, timeout=30_000)
    high_risk = sidebar.locator(".jp-LifecycleLab-coverage li[data-framework='eu-ai-act-high-risk']")
    expect(high_risk).to_contain_text("EU AI Act, provider of a high-risk AI system")
    expect(high_risk).to_contain_text("5% · 14 open · 4 uncovered")
    expect(high_risk.locator("progress")).to_have_attribute("value", "5")
    expect(sidebar.locator(".jp-LifecycleLab-coverage li[data-framework='iso-42001']")).to_contain_text(
        "21% · 17 open · 13 uncovered")


def test_status_and_due_date_changes_are_persisted(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    key = "validation/edge-cases"
    version = lab.item(key)["version"]
    row = item_row(page, key)
    row.get_by_label("Status of Edge-case tests").select_option("in_progress")
    wait_until(lambda: lab.item(key)["status"] == "in_progress")

    row.get_by_role("button", name="Details of Edge-case tests").click()
    row.get_by_label("Due date of Edge-case tests").fill("2031-03-15")
    row.get_by_label("Owner of Edge-case tests").fill("dana")
    row.get_by_role("button", name="Save").click()
    saved = wait_until(lambda: (item := lab.item(key))["due"] == "2031-03-15" and item)
    assert saved["owner"] == "dana"
    assert saved["status"] == "in_progress"
    assert saved["version"] == version + 2
    expect(row.locator(".jp-LifecycleLab-due")).to_have_text("due 2031-03-15")


def test_not_applicable_needs_a_justification(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "operations/feature-flags")
    status = row.get_by_label("Status of Feature flag strategy")
    status.select_option("not_applicable")
    justification = row.get_by_label("Justification for Feature flag strategy")
    expect(justification).to_be_visible()
    assert lab.item("operations/feature-flags")["status"] == "todo"
    justification.fill("Scores are computed in a nightly batch; there is nothing to flag.")
    row.get_by_role("button", name="Mark not applicable").click()
    saved = wait_until(lambda: (item := lab.item("operations/feature-flags"))["status"] == "not_applicable" and item)
    assert saved["justification"].startswith("Scores are computed in a nightly batch")
    expect(status).to_have_value("not_applicable")


def test_approving_a_stage_records_the_signoff(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    stage = open_stage(page, "validation")
    stage.get_by_role("button", name="Sign off Validation…").click()
    stage.get_by_label("Role signing Validation").select_option("model-owner")
    stage.get_by_label("Sign-off comment for Validation").fill("Evaluation plan agreed; edge cases next.")
    stage.get_by_role("button", name="Approve").click()
    expect(stage.locator("li[data-role=model-owner]")).to_contain_text("approved")
    view = lab.api("GET", f"/projects/{lab.project_id}")
    signoff = [s for s in view["signoffs"] if s["stage"] == "validation"][-1]
    assert signoff["role"] == "model-owner"
    assert signoff["decision"] == "approve"
    assert signoff["comment"] == "Evaluation plan agreed; edge cases next."
    assert signoff["outdated"] is False
    # The shipped data steward's approval predates a change to the Data stage: shown as outdated.
    expect(open_stage(page, "data").locator("li.jp-LifecycleLab-signoff-outdated")).to_contain_text("outdated")


def test_a_change_made_with_the_cli_appears_within_3_seconds(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "operations/runbooks")
    expect(row).to_be_attached(timeout=30_000)
    result = subprocess.run(
        [sys.executable, "-m", "lifecycle_lab.cli", "set", "operations/runbooks", "--status", "blocked",
         "--note", "waiting for the labelled sample"],
        cwd=lab.root / PROJECT, env=cli_env(lab.db_url, LIFECYCLE_LAB_USER="cli-user"),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    written = time.monotonic()
    expect(row.locator(".jp-LifecycleLab-notesExcerpt")).to_have_text("waiting for the labelled sample", timeout=3_000)
    expect(row.get_by_label("Status of Runbooks")).to_have_value("blocked", timeout=500)
    assert time.monotonic() - written < 3.0


def test_a_note_with_markup_renders_as_text(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    row = item_row(page, "operations/dashboards")
    row.get_by_role("button", name="Details of Monitoring dashboards").click()
    row.get_by_label("Notes on Monitoring dashboards").fill(f"Reviewed {XSS} twice")
    row.get_by_role("button", name="Save").click()
    wait_until(lambda: XSS in lab.item("operations/dashboards")["notes"])
    page.goto(lab.url(NOTEBOOK, reset=False))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    expect(page.locator(SIDEBAR)).to_be_visible()  # the layout restorer reopened it
    excerpt = item_row(page, "operations/dashboards").locator(".jp-LifecycleLab-notesExcerpt")
    expect(excerpt).to_have_text(f"Reviewed {XSS} twice", timeout=30_000)
    assert page.locator(f"{SIDEBAR} img").count() == 0
    page.wait_for_timeout(1_000)  # time for a broken image's onerror to fire, were it markup
    assert lab.dialogs == []


def test_an_edit_refused_as_stale_shows_the_newer_value_and_can_be_reapplied(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    open_sidebar(page, lab)
    key = "operations/slos"
    row = item_row(page, key)
    row.get_by_role("button", name="Details of Service level objectives").click()
    row.get_by_label("Notes on Service level objectives").fill("p99 latency under 200 ms")
    # Another tab writes the same item before this one saves.
    version = lab.item(key)["version"]
    lab.api("PATCH", f"/projects/{lab.project_id}/items/{key}", {"notes": "p99 latency under 500 ms"},
            {"If-Match": f'"{version}"'})
    expect(row.locator(".jp-LifecycleLab-muted", has_text="last changed")).to_be_visible(timeout=5_000)
    row.get_by_role("button", name="Save").click()
    conflict = row.locator(".jp-LifecycleLab-conflict")
    expect(conflict.locator(".jp-LifecycleLab-conflictTheirs")).to_have_text("p99 latency under 500 ms")
    expect(conflict.locator(".jp-LifecycleLab-conflictMine")).to_have_text("p99 latency under 200 ms")
    assert lab.item(key)["notes"] == "p99 latency under 500 ms"
    conflict.get_by_role("button", name="Re-apply my change").click()
    wait_until(lambda: lab.item(key)["notes"] == "p99 latency under 200 ms")
    expect(conflict).to_have_count(0)


def test_audit_log_shows_the_verified_chain(reading_page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    reading_page.locator(SIDEBAR).get_by_role("button", name="Audit log").click()
    audit = reading_page.locator(".jp-LifecycleLab-audit")
    expect(audit.locator("[data-chain=ok]")).to_contain_text("Hash chain verified")
    expect(audit.locator("tbody tr").first).to_be_visible()
    expect(audit.locator("[data-anchor=never]")).to_contain_text("never anchored")  # the shipped state is not


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

    sidebar = open_sidebar(page, lab)
    stage = sidebar.locator("section[data-stage=operations]")
    heading = stage.locator("h3 button")
    heading.focus()
    page.keyboard.press("Enter")  # a folded stage opens from the keyboard too
    expect(heading).to_have_attribute("aria-expanded", "true")
    row = item_row(page, "operations/incident-playbook")
    disclosure = row.get_by_role("button", name="Details of Incident response playbook")
    disclosure.focus()
    expect(disclosure).to_be_focused()
    page.keyboard.press("Enter")
    expect(disclosure).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(row.get_by_label("Status of Incident response playbook")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_label("Owner of Incident response playbook")).to_be_focused()
    page.keyboard.type("erin")
    page.keyboard.press("Enter")
    wait_until(lambda: lab.item("operations/incident-playbook")["owner"] == "erin")
    notes = row.get_by_label("Notes on Incident response playbook")
    notes.focus()
    page.keyboard.type("Paging rota agreed with the on-call team")
    page.keyboard.press("Control+Enter")
    wait_until(lambda: lab.item("operations/incident-playbook")["notes"] == "Paging rota agreed with the on-call team")


def test_palette_commands_open_the_sidebar_and_the_audit_log(reading_page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    page = reading_page
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
    cancel = sidebar.get_by_role("button", name="Cancel run")
    expect(cancel).to_be_visible()
    run_id = sidebar.locator(".jp-LifecycleLab-run").get_attribute("data-run")
    run = sidebar.locator(f".jp-LifecycleLab-run[data-run='{run_id}']")
    # Live progress: while the run is active each notebook shows its cells done out of its total.
    seen: set[str] = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and cancel.count():
        seen.update(run.locator(".jp-LifecycleLab-cellCount").all_inner_texts())
        page.wait_for_timeout(100)
    expect(run.locator("[data-verdict=differs]")).to_be_visible()
    # Seen part way: some notebook with fewer cells done than it has.
    assert any(int(done) < int(total) for done, total in (re.findall(r"\d+", text) for text in seen)), seen
    notebooks = run.locator(".jp-LifecycleLab-runNotebooks > li")
    expect(notebooks).to_have_count(5)
    nondeterministic = run.locator("li[data-notebook='nondeterministic.ipynb']")
    expect(nondeterministic.locator(".jp-LifecycleLab-badge")).to_have_text("Differs")
    for name in ("01-framing.ipynb", "02-data.ipynb", "03-train.ipynb", "04-evaluate.ipynb"):
        expect(run.locator(f"li[data-notebook='{name}'] .jp-LifecycleLab-badge")).to_have_text(
            re.compile("Reproduced|Within tolerance"))
    for count in run.locator(".jp-LifecycleLab-cellCount").all_inner_texts():
        assert re.fullmatch(r"(\d+) / \1 cells", count), count  # every cell of every notebook ran
    evidence = lab.item("experimentation/reproducibility-rerun")["evidence"]
    assert evidence["run_id"] == run_id
    assert evidence["verdict"] == "differs"
    expect(item_row(page, "experimentation/reproducibility-rerun")).to_contain_text("Last rerun: Differs")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar.png"))

    nondeterministic.get_by_role("button", name="Show 2 differing cells").click()
    diff = page.locator(".jp-LifecycleLab-diffView")
    expect(diff).to_be_visible()
    expect(diff.locator(".jp-LifecycleLab-tolerance")).to_contain_text("rel 0.001, abs 0.0001")
    expect(diff.locator(".jp-LifecycleLab-runFiles h3")).to_have_text("Project files the rerun created or changed")
    cells = diff.locator(".jp-LifecycleLab-diffCell")
    expect(cells).to_have_count(2)
    bootstrap = cells.first
    expect(bootstrap.locator(".jp-LifecycleLab-diffSource")).to_contain_text("loans.sample(")
    saved, rerun = bootstrap.locator(".jp-LifecycleLab-diffSide").all()
    expect(saved.locator("mark.jp-LifecycleLab-diff-differs").first).to_have_text("0.1512")
    expect(saved).to_contain_text("bootstrap default rate 0.1512; first loans drawn: L01088")
    expect(rerun.locator("mark.jp-LifecycleLab-diff-differs").first).to_be_visible()
    assert rerun.inner_text().count("bootstrap default rate") == 1
    page.screenshot(path=str(ARTIFACTS / "diff.png"))

    sessions = {session["path"] for session in lab.server.request("GET", "/api/sessions")[2]}
    diff.get_by_role("button", name="Open executed notebook").click()
    # The run's own copy opens, read-only and without a kernel, from the hidden .lifecycle/runs/ folder
    # that this server (started without allow_hidden) does not serve through its contents API.
    tab = page.locator(f".lm-DockPanel-tabBar li[title*='LifecycleRuns:{lab.project_id}/{run_id}/']")
    expect(tab).to_have_count(1)
    expect(tab).to_contain_text("nondeterministic.ipynb")
    executed = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(executed.locator(".jp-OutputArea-output").filter(has_text="bootstrap default rate")).to_have_count(1)
    expect(executed.locator(".jp-KernelName, .jp-Toolbar-kernelName").first).to_contain_text("No Kernel")
    assert {session["path"] for session in lab.server.request("GET", "/api/sessions")[2]} == sessions
    # Opened again, it is revealed, and our code touches no session a kernel-less notebook lacks. (The
    # "Cannot read properties of null (reading 'kernel')" seen with it is raised by ipywidgets'
    # @jupyter-widgets/jupyterlab-manager, which reads the missing session's kernel; not by this extension.)
    page.locator(".lm-DockPanel-tabBar li", has_text="Rerun diff: nondeterministic.ipynb").first.click()
    diff.get_by_role("button", name="Open executed notebook").click()
    expect(tab).to_have_count(1)
    expect(tab).to_have_class(re.compile("lm-mod-current"))
    assert [error for error in lab.page_errors if "/lifecycle-lab/" in error] == []
    expect(page.locator(".jp-LifecycleLab-header")).to_contain_text("Credit")  # still this project's checklist


def test_a_run_in_progress_can_be_cancelled(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    sidebar.get_by_label("Sandbox").check()  # in a copy of the project: the user's files stay untouched
    sidebar.get_by_role("button", name="Rerun notebooks").click()
    cancel = sidebar.get_by_role("button", name="Cancel run")
    expect(cancel).to_be_visible()
    run_id = sidebar.locator(".jp-LifecycleLab-run").get_attribute("data-run")
    cancel.click()
    run = sidebar.locator(f".jp-LifecycleLab-run[data-run='{run_id}']")
    expect(run.locator("[data-verdict=cancelled]")).to_have_text("Cancelled", timeout=30_000)
    expect(cancel).to_have_count(0)
    record = lab.api("GET", f"/projects/{lab.project_id}/runs/{run_id}")
    assert record["status"] == "cancelled"
    assert record["active"] is False
    assert record["options"].get("sandbox") is True, record["options"]


def export_from_sidebar(page: Any, fmt: str) -> Path:
    """Choose ``fmt`` in the sidebar's export control, click Export and save the download in test-artifacts/."""
    sidebar = page.locator(SIDEBAR)
    sidebar.get_by_label("Export format").select_option(fmt)
    with page.expect_download(timeout=60_000) as download_info:
        sidebar.get_by_role("button", name="Export", exact=True).click()
    download = download_info.value
    assert re.fullmatch(rf"credit-default-model-lifecycle-\d{{8}}\.{fmt}", download.suggested_filename)
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / download.suggested_filename
    download.save_as(target)
    return target


def test_export_downloads_a_pdf_of_the_project(reading_page: Any) -> None:
    from pypdf import PdfReader

    pdf = export_from_sidebar(reading_page, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = "".join(page_.extract_text() for page_ in PdfReader(pdf).pages)
    assert "Credit default model" in text
    assert "Problem statement" in text


def test_export_downloads_markdown(reading_page: Any) -> None:
    markdown = export_from_sidebar(reading_page, "md").read_text(encoding="utf-8")
    assert "Credit default model" in markdown
    assert "Problem statement" in markdown


def use_theme(page: Any, theme: str) -> None:
    """Settings ▸ Theme ▸ ``theme`` through JupyterLab's menus."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel:text-is('Theme')").click()
    page.locator(f".lm-Menu-itemLabel:text-is('{theme}')").click()


def test_sidebar_follows_the_dark_theme(reading_page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    page = reading_page
    sidebar = page.locator(SIDEBAR)
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


def show_shipped_run(sidebar: Any) -> None:
    """Show the example's shipped rerun: earlier tests may have run newer ones (one cancelled)."""
    sidebar.locator(".jp-LifecycleLab-runSummary").get_by_role("button", name="Show run details").click()
    history = sidebar.locator(".jp-LifecycleLab-runHistory")
    history.locator("summary").click()
    history.locator("li").last.get_by_role("button").click()  # the history is newest first


def test_lint_lists_findings_per_notebook_explains_the_rerun_and_jumps_to_the_cell(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    lint = sidebar.locator("section.jp-LifecycleLab-lint")
    expect(lint.locator("[data-lint-counts]")).to_have_text("0 errors, 3 warnings, 0 notes", timeout=30_000)
    expect(lint.locator("details[data-lint-file]")).to_have_count(0)  # one line until opened
    lint.get_by_role("button", name="Show findings").click()
    findings = lint.locator("details[data-lint-file='nondeterministic.ipynb'] li.jp-LifecycleLab-lintFinding")
    expect(findings).to_have_count(3, timeout=30_000)
    expect(lint.locator("details[data-lint-file]")).to_have_count(1)  # every other notebook lints clean
    expect(lint.locator(".jp-LifecycleLab-lintData")).to_have_count(0)  # loans.csv is a registered dataset
    # The shipped rerun's two differing cells, each explained by the unseeded generator it draws from.
    show_shipped_run(sidebar)
    explains = lint.locator("[data-lint-explains] li")
    expect(explains).to_have_count(2)
    expect(explains.first).to_contain_text("unseeded-random")
    findings.filter(has_text="rng.choice").get_by_role("button", name="cell 4, line 1").click()
    active = page.locator(".jp-NotebookPanel:visible .jp-Cell.jp-mod-active")
    expect(active).to_contain_text("rng.choice", timeout=30_000)
    expect(page.locator(".jp-NotebookPanel:visible")).to_have_count(1)
    assert lab.dialogs == []


def test_an_anonymous_user_names_this_browser_and_signs_off_under_that_name(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    sidebar = open_sidebar(page, lab)
    notice = sidebar.locator(".jp-LifecycleLab-identity")
    expect(notice).to_contain_text("You are anonymous", timeout=30_000)
    notice.get_by_role("button", name="Set your name").click()
    notice.get_by_label("Your name in this browser").fill("Dana Scully")
    notice.get_by_role("button", name="Use this name").click()
    expect(notice).to_contain_text("recorded as Dana Scully (anonymous)")

    stage = open_stage(page, "governance")
    stage.get_by_role("button", name="Sign off Governance…").click()
    roles = stage.get_by_label("Role signing Governance").locator("option")
    required = lab.api("GET", f"/projects/{lab.project_id}")["signoff_roles"]["governance"]["required"]
    assert [roles.nth(i).get_attribute("value") for i in range(roles.count())] == required
    stage.get_by_label("Role signing Governance").select_option(required[0])
    stage.get_by_role("button", name="Approve").click()
    signed = stage.locator(f"li[data-role='{required[0]}']")
    expect(signed).to_contain_text("by Dana Scully (anonymous)")
    for role in required[1:]:
        expect(stage.locator(f"li[data-role='{role}']")).to_contain_text("missing (required)")
    # A stage whose gate requires no sign-off lists nobody as missing.
    optional = open_stage(page, "experimentation").locator(".jp-LifecycleLab-signoffs")
    expect(optional).to_contain_text("No sign-off required")
    expect(optional.locator("li.jp-LifecycleLab-signoff-missing")).to_have_count(0)
    signoff = [s for s in lab.api("GET", f"/projects/{lab.project_id}")["signoffs"] if s["stage"] == "governance"][-1]
    assert re.fullmatch(r"Dana Scully <anonymous:[0-9a-f]{32}>", signoff["user"]), signoff["user"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar-identity.png"))

    sidebar.get_by_role("button", name="Audit log").click()
    audit = page.locator(".jp-LifecycleLab-audit")
    first = audit.locator("tbody tr").first
    expect(first).to_contain_text("Dana Scully (anonymous)")
    expect(first.locator(".jp-LifecycleLab-auditChanges")).to_contain_text("decision: approve")
    assert "{" not in first.locator(".jp-LifecycleLab-auditChanges").inner_text()  # readable, not raw JSON


def test_the_rerun_panel_is_one_summary_line_until_opened(page: Any, lab: Lab) -> None:
    from playwright.sync_api import expect

    run = lab.api("POST", f"/projects/{lab.project_id}/runs", {"notebooks": ["01-framing.ipynb"]})
    wait_until(lambda: not lab.api("GET", f"/projects/{lab.project_id}/runs/{run['id']}")["active"], timeout=300)
    sidebar = open_sidebar(page, lab)
    summary = sidebar.locator(".jp-LifecycleLab-runSummary")
    expect(summary).to_contain_text("Last rerun", timeout=30_000)
    expect(summary).to_contain_text(" by ")
    expect(sidebar.locator(".jp-LifecycleLab-runNotebooks")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sidebar-rerun-summary.png"))
    summary.get_by_role("button", name="Show run details").click()
    expect(sidebar.locator(".jp-LifecycleLab-runNotebooks > li")).to_have_count(1)


def sidebar_width(page: Any) -> float:
    """The Lifecycle sidebar's width on the page, in CSS pixels."""
    return page.locator(SIDEBAR).bounding_box()["width"]


def fresh_project(lab: Lab, name: str) -> str:
    """A new project from the default template in a new folder ``name`` (no gate passed, nothing done); its notebook."""
    folder = lab.root / name
    folder.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "explore.ipynb")
    lab.api("POST", "/projects", {"path": name})
    return f"{name}/explore.ipynb"


@pytest.mark.parametrize("project", ["example", "fresh"])
def test_at_least_two_stages_are_on_the_first_screen(page: Any, lab: Lab, project: str) -> None:
    """The example (some gates passed) and a project just made from the default template (none passed)."""
    from playwright.sync_api import expect

    if project == "fresh":
        sidebar = open_sidebar(page, lab, fresh_project(lab, f"first-screen-{uuid.uuid4().hex[:8]}"))
        expect(sidebar.locator(".jp-LifecycleLab-percent")).to_contain_text("0 of 75 done", timeout=30_000)
        # The first stage is the one open; of its 9 items the first 5 show, the others behind one button.
        framing = sidebar.locator("section[data-stage=framing]")
        expect(framing.locator("li.jp-LifecycleLab-item")).to_have_count(5)
        expect(framing.locator(".jp-LifecycleLab-showMore")).to_have_text("Show 4 more items")
    else:
        sidebar = open_sidebar(page, lab)
        expect(sidebar.locator(".jp-LifecycleLab-percent")).to_contain_text(re.compile(r"of \d+ done"), timeout=30_000)
    headings = sidebar.locator("section.jp-LifecycleLab-stage h3")
    headings.first.wait_for(state="visible", timeout=30_000)
    panel = sidebar.bounding_box()
    bottom = min(900, panel["y"] + panel["height"])  # what the sidebar shows without scrolling
    assert abs(panel["width"] - 360) <= 8, panel  # the default width
    header = sidebar.locator(".jp-LifecycleLab-header").bounding_box()
    assert header["y"] >= 0 and header["y"] + header["height"] <= bottom, header
    visible = sum(1 for i in range(headings.count())
                  if (box := headings.nth(i).bounding_box()) and box["y"] >= 0 and box["y"] + box["height"] <= bottom)
    print(f"first_screen_items: {visible} stages")
    assert visible >= 2, visible


def test_the_sidebar_opens_about_360_px_wide_and_keeps_the_width_the_user_gives_it(page: Any, lab: Lab) -> None:
    open_sidebar(page, lab)
    wait_until(lambda: abs(sidebar_width(page) - 360) <= 8)
    widen_sidebar(page, 440)
    wait_until(lambda: abs(sidebar_width(page) - 440) <= 8)

    def remembered() -> bool:
        workspace = lab.server.request("GET", "/lab/api/workspaces/default")[2]
        width = workspace.get("data", {}).get("lifecycle-lab:sidebar-width")
        return isinstance(width, int) and abs(width - 440) <= 8

    wait_until(remembered, timeout=20)
    open_sidebar_again = lab.url(NOTEBOOK, reset=False)  # the same workspace, as after a reload
    page.goto(open_sidebar_again)
    page.locator(f"{SIDEBAR} section.jp-LifecycleLab-stage h3").first.wait_for(state="visible", timeout=60_000)
    wait_until(lambda: abs(sidebar_width(page) - 440) <= 8)


# What a label is here: a stage's or item's title, a badge, a styled button, a form label.
LABELS = (f"{SIDEBAR} .jp-LifecycleLab-stageTitle, {SIDEBAR} .jp-LifecycleLab-itemTitle, "
          f"{SIDEBAR} .jp-LifecycleLab-badge, {SIDEBAR} button.jp-mod-styled, {SIDEBAR} label")


def test_no_label_wraps_at_the_default_width(page: Any, lab: Lab) -> None:
    sidebar = open_sidebar(page, lab)
    sidebar.locator("section.jp-LifecycleLab-stage h3").first.wait_for(state="visible", timeout=30_000)
    assert abs(sidebar_width(page) - 360) <= 8
    open_all_stages(page)
    # Lines of each shown label: the distinct tops of its text's line boxes (a Range's client rects).
    lines = page.evaluate("""selector => [...document.querySelectorAll(selector)]
        .filter(element => element.getClientRects().length > 0)
        .map(element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top).sort((a, b) => a - b);
            const count = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 6).length;
            return [element.className || element.tagName, element.textContent.trim(), count];
        })""", LABELS)
    assert page.locator(f"{SIDEBAR} li.jp-LifecycleLab-item").count() == 75  # every item of every stage
    assert len(lines) > 100, len(lines)  # the header's, the toolbar's and every stage's and item's labels
    wrapped = [label for label in lines if label[2] > 1]
    assert wrapped == [], wrapped


def serious_violations(page: Any, selector: str) -> list[str]:
    """axe-core's serious and critical violations inside ``selector``, one line each (rule, what, where)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    # JupyterLab's <body> is 0 px tall with its overflow hidden (the shell is positioned absolutely): axe
    # then takes every text as clipped away and checks no contrast at all. Give it the viewport's height.
    page.evaluate("document.body.style.minHeight = '100vh'")
    results = page.evaluate("selector => axe.run(selector, {resultTypes: ['violations']})", selector)
    checked = {rule["id"] for rule in results["passes"] + results["violations"] + results["incomplete"]}
    assert "color-contrast" in checked, f"axe checked no text contrast in {selector}"
    return [f"{v['id']} ({v['impact']}): {v['help']} at " + ", ".join(str(n["target"]) for n in v["nodes"][:4])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_axe_finds_no_serious_violation_in_the_sidebar_the_diff_and_the_audit_view(
        page: Any, lab: Lab, theme: str) -> None:
    from playwright.sync_api import expect

    require(AXE.exists(), "axe-core (a devDependency: `jlpm --cwd labextension install`)")
    suffix = "" if theme == "JupyterLab Light" else "-dark"
    sidebar = open_sidebar(page, lab)
    if suffix:
        use_theme(page, theme)
        expect(page.locator("body[data-jp-theme-light=false]")).to_have_count(1, timeout=30_000)
        page.wait_for_timeout(500)  # the theme's stylesheet applied
    try:
        found: dict[str, list[str]] = {}
        sidebar.locator("section.jp-LifecycleLab-stage h3").first.wait_for(state="visible", timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / f"docs-sidebar{suffix}.png"))
        open_stage(page, "validation")  # a stage of rows in every status
        found["sidebar"] = serious_violations(page, SIDEBAR)
        show_shipped_run(sidebar)
        sidebar.locator("li[data-notebook='nondeterministic.ipynb']").get_by_role(
            "button", name="Show 2 differing cells").click()
        diff = page.locator(".jp-LifecycleLab-diffView")
        expect(diff.locator(".jp-LifecycleLab-diffCell")).to_have_count(2)
        found["sidebar, rerun details"] = serious_violations(page, SIDEBAR)
        found["diff view"] = serious_violations(page, ".jp-LifecycleLab-diffView")
        page.screenshot(path=str(ARTIFACTS / f"docs-diff{suffix}.png"))
        sidebar.get_by_role("button", name="Audit log").click()
        audit = page.locator(".jp-LifecycleLab-audit")
        expect(audit.locator("tbody tr").first).to_be_visible(timeout=30_000)
        found["audit view"] = serious_violations(page, ".jp-LifecycleLab-audit")
        page.screenshot(path=str(ARTIFACTS / f"docs-audit{suffix}.png"))
        assert found == {"sidebar": [], "sidebar, rerun details": [], "diff view": [], "audit view": []}
    finally:
        if suffix:
            use_theme(page, "JupyterLab Light")
            expect(page.locator("body[data-jp-theme-light=true]")).to_have_count(1, timeout=30_000)
