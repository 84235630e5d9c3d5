"""Sidebar benchmarks in a real JupyterLab and Chromium. Prints ``name: value`` lines.

sidebar_render_ms
    The first render of a 500-item project (a synthetic template, 10 stages × 50 items, found
    through ``LIFECYCLE_LAB_TEMPLATE_PATH``; two items in five filled with owner, due date, notes
    and evidence) after its data arrived: the sidebar's ``lifecycle-lab:view-render`` performance
    measure, from the mark set when the view's JSON is parsed to the mark set once React has
    committed it, each time the user activates that project's notebook in a settled JupyterLab page
    (the other notebook open belongs to another project). Median of 10 switches. Target: under 300 ms.
    The sidebar's layout renders the heading of every stage but the rows of the open one only (the stage
    the project is at; no gate passed here, so the first) and of those its first open items.
    ``sidebar_render_minimal_ms`` is the same for the 10-item ``minimal`` template, the baseline of
    ``sidebar_render_ratio`` (how the render grows with 50 times the items).
sidebar_expand_all_ms
    The worst case the folding avoids: from the user's click that opens all ten stages of the 500-item
    project and shows all their rows until the next frame is painted.
first_screen_items
    How many stage headings the sidebar shows without scrolling, with its header, in a fresh 1400×900 page
    at the sidebar's default width (``sidebar_default_width_px``): the fewer of two projects,
    ``first_screen_items_example`` (``example_notebooks``, its shipped state imported as the README says:
    some gates passed) and ``first_screen_items_fresh`` (a project just made from the default template:
    no gate passed, nothing done). Target: at least 2.
view_payload_kb
    Size of ``GET /lifecycle-lab/api/projects/{id}`` for the default template with every item
    filled (the API benchmark's project: evidence of every kind, a dataset, a notebook). Target:
    under 200 KB.

Run from the checkout after ``jlpm --cwd labextension build:prod``:
``python benchmarks/sidebar_bench.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout

import nbformat
import yaml
from api_bench import filled_project

from lifecycle_lab.pytest_plugin import BUILT_LABEXTENSION, JupyterLabProcess
from lifecycle_lab.service import Lifecycle
from lifecycle_lab.store import Store
from lifecycle_lab.templates import TEMPLATE_PATH_ENV, TemplateRegistry

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-gpu"]
MEASURE = "lifecycle-lab:view-render"
STAGES, ITEMS_PER_STAGE = 10, 50
KINDS = ["check", "text", "failure_modes", "metrics", "link", "date"]


def synthetic_template(folder: Path) -> str:
    """Write a 500-item template (id ``bench-500``) into ``folder``; returns its id."""
    prose = "Describe what was done, by whom, and where the evidence lives; link the notebook or the ticket. "
    template = {
        "id": "bench-500", "version": "1.0.0", "title": "Benchmark: 500 items",
        "description": "A synthetic checklist for the sidebar benchmark.",
        "roles": [{"id": "owner", "title": "Owner", "description": "Accountable."},
                  {"id": "reviewer", "title": "Reviewer", "description": "Signs stages off."}],
        "stages": [{
            "id": f"stage-{s}", "title": f"Stage {s + 1}", "description": prose,
            "gate": {"signoffs": ["reviewer"]},
            "items": [{"id": f"item-{s}-{i}", "title": f"Checklist item {s + 1}.{i + 1} with a realistic title",
                       "guidance": prose * 2, "why": prose, "required": i % 3 != 0,
                       "evidence": KINDS[i % len(KINDS)], "owner_role": "owner"}
                      for i in range(ITEMS_PER_STAGE)],
        } for s in range(STAGES)],
    }
    (folder / "bench-500.yaml").write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    return template["id"]


def evidence_of(kind: str) -> Any:
    """Valid evidence of ``kind`` (None for ``check``)."""
    return {
        "check": None,
        "text": {"text": "Reviewed with the team; notes in the wiki."},
        "failure_modes": {"rows": [{"mode": f"mode {n}", "severity": "high", "likelihood": "low"} for n in range(3)]},
        "metrics": {"metric": "auc", "confidence": 0.95,
                    "results": [{"segment": segment, "value": 0.86, "ci_low": 0.83, "ci_high": 0.89}
                                for segment in ("all", "new")]},
        "link": {"url": "https://example.org/card", "title": "Model card"},
        "date": {"date": "2031-06-30", "note": "revalidation"},
    }[kind]


def notebook_folder(root: Path, folder: str, notebook: str) -> Path:
    """A new folder ``root/folder`` holding an empty Python notebook ``notebook``; the folder."""
    path = root / folder
    path.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path / notebook)
    return path


def big_project(service: Lifecycle, root: Path, template: str) -> None:
    """A project on the 500-item template in ``root/big``, two items in five filled."""
    folder = notebook_folder(root, "big", "big.ipynb")
    project = service.init_project(folder, actor="alice", template=template, name="Big project")
    statuses = ["done", "in_progress", "blocked", "done", "not_applicable"]
    for n, item in enumerate(project.template.items()):
        if n % 5 >= 2:
            continue
        status = statuses[n % len(statuses)]
        service.set_item(project, item.key, {
            "status": status, "owner": "dana", "due": "2020-01-31" if n % 7 == 0 else "2031-01-31",
            "notes": f"Notes on {item.title}.", "evidence": evidence_of(item.evidence),
            **({"justification": "Does not apply here."} if status == "not_applicable" else {}),
        }, actor="alice")


def fresh_project(service: Lifecycle, root: Path) -> str:
    """A project just made from the default template in ``root/fresh``; its notebook's path."""
    folder = notebook_folder(root, "fresh", "explore.ipynb")
    service.init_project(folder, actor="alice", template="default", name="Fresh project")
    return "fresh/explore.ipynb"


def minimal_project(service: Lifecycle, root: Path) -> None:
    """A project on the 10-item minimal template in ``root/small``."""
    folder = notebook_folder(root, "small", "small.ipynb")
    service.init_project(folder, actor="alice", template="minimal", name="Small project")


def view_bytes(server: JupyterLabProcess, project_id: str) -> int:
    """The size of the project's view as served (the response body, bytes)."""
    request = urllib.request.Request(f"{server.url}/lifecycle-lab/api/projects/{project_id}", headers=server.headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(response.read())


def render_ms(browser: Any, server: JupyterLabProcess, rounds: int) -> tuple[list[float], list[float]]:
    """The sidebar's render measure each time the user switches between the big and the small project's notebook.

    Both notebooks are open in one settled JupyterLab page with the sidebar shown; activating a notebook's tab
    makes the sidebar fetch that project's view and render it from scratch. The first switch is a warm-up.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    for notebook in ("big/big.ipynb", "small/small.ipynb"):
        page.goto(f"{server.url}/lab/tree/{notebook}?token={server.token}")
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
        page.wait_for_timeout(2_500)  # the workspace is saved a moment later: then the next load reopens it
    page.locator(".lm-DockPanel-tabBar li.lm-TabBar-tab", has_text="big.ipynb").wait_for(timeout=30_000)
    sidebar = page.locator("#lifecycle-lab-sidebar")
    if not sidebar.is_visible():
        page.locator("li[data-id='lifecycle-lab-sidebar']").click()
    sidebar.wait_for(state="visible")
    page.wait_for_selector("#lifecycle-lab-sidebar .jp-LifecycleLab-projectName", timeout=60_000)
    page.wait_for_timeout(2_000)  # let the page settle: kernels started, notebooks rendered
    big, small = [], []
    for round_ in range(rounds + 1):
        for name, samples in (("big.ipynb", big), ("small.ipynb", small)):
            page.evaluate("performance.clearMarks(); performance.clearMeasures()")
            page.locator(".lm-DockPanel-tabBar li.lm-TabBar-tab", has_text=name).click()
            page.wait_for_function(f"performance.getEntriesByName('{MEASURE}').length > 0", timeout=60_000)
            if round_ > 0:
                samples.append(page.evaluate(f"performance.getEntriesByName('{MEASURE}')[0].duration"))
            page.wait_for_timeout(300)
    context.close()
    return big, small


def fresh_page(browser: Any, server: JupyterLabProcess, notebook: str) -> tuple[Any, Any]:
    """(context, sidebar locator): ``notebook`` opened in a new 1400×900 page on a reset workspace, sidebar shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{server.url}/lab/tree/{notebook}?token={server.token}&reset")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=60_000)
    sidebar = page.locator("#lifecycle-lab-sidebar")
    if not sidebar.is_visible():
        page.locator("li[data-id='lifecycle-lab-sidebar']").click()
    return context, sidebar


def expand_all_ms(browser: Any, server: JupyterLabProcess) -> float:
    """Milliseconds from opening every stage of the big project (and its "Show N more") to the next frame."""
    context, sidebar = fresh_page(browser, server, "big/big.ipynb")
    page = sidebar.page
    sidebar.locator("section.jp-LifecycleLab-stage h3").nth(STAGES - 1).wait_for(timeout=60_000)
    page.wait_for_timeout(1_000)
    elapsed = page.evaluate("""async () => {
        const start = performance.now();
        const sidebar = document.getElementById('lifecycle-lab-sidebar');
        for (const heading of sidebar.querySelectorAll('h3 button[aria-expanded=false]')) {
            heading.click();
        }
        await new Promise(resolve => setTimeout(resolve));  // React commits the clicks' updates
        for (const more of sidebar.querySelectorAll('.jp-LifecycleLab-showMore')) {
            more.click();
        }
        await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve)));  // painted
        return performance.now() - start;
    }""")
    rows = page.locator("#lifecycle-lab-sidebar li.jp-LifecycleLab-item").count()
    context.close()
    assert rows == STAGES * ITEMS_PER_STAGE, rows  # every row is shown
    return elapsed


def example_project(root: Path, db_url: str) -> str:
    """Copy the example project into ``root`` and import its shipped state, as the README says; its path."""
    shutil.copytree(Path(__file__).resolve().parents[1] / "example_notebooks", root / "example_notebooks")
    env = {**os.environ, "LIFECYCLE_LAB_DB_URL": db_url}
    subprocess.run([sys.executable, "-m", "lifecycle_lab.cli", "import", "--skip-existing", "--project",
                    str(root / "example_notebooks"), str(root / "example_notebooks" / ".lifecycle" / "state.json")],
                   cwd=root, env=env, check=True, capture_output=True, timeout=120)
    return "example_notebooks/03-train.ipynb"


def first_screen(browser: Any, server: JupyterLabProcess, notebook: str) -> tuple[int, float]:
    """(stage headings fully inside the sidebar's first screen, the sidebar's width) in a fresh 1400×900 page."""
    context, sidebar = fresh_page(browser, server, notebook)
    page = sidebar.page
    headings = sidebar.locator("section.jp-LifecycleLab-stage h3")
    headings.first.wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(1_000)  # the width is given once the shell has restored its layout
    panel = sidebar.bounding_box()
    bottom = panel["y"] + panel["height"]
    visible = sum(1 for i in range(headings.count())
                  if (box := headings.nth(i).bounding_box()) and box["y"] >= 0 and box["y"] + box["height"] <= bottom)
    context.close()
    return visible, panel["width"]


def main() -> None:
    """Build the projects, start JupyterLab, measure in Chromium, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    loads = 3 if parser.parse_args().quick else 10
    if not (BUILT_LABEXTENSION / "package.json").exists():
        sys.exit("build the front end first: jlpm --cwd labextension build:prod")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sidebar-bench-") as tmp:
        base = Path(tmp)
        templates, root = base / "templates", base / "root"
        templates.mkdir()
        root.mkdir()
        template = synthetic_template(templates)
        os.environ[TEMPLATE_PATH_ENV] = str(templates)
        db_url = f"sqlite:///{base / 'store.sqlite'}"
        store = Store(db_url)
        service = Lifecycle(store, TemplateRegistry())
        big_project(service, root, template)
        minimal_project(service, root)
        fresh = fresh_project(service, root)
        default = filled_project(service, root)
        store.close()
        example = example_project(root, db_url)
        with JupyterLabProcess(root, db_url, env={TEMPLATE_PATH_ENV: str(templates)}) as server:
            payload = view_bytes(server, default.id)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                big, small = render_ms(browser, server, loads)
                expanded = expand_all_ms(browser, server)
                stages, width = first_screen(browser, server, example)
                stages_fresh, _ = first_screen(browser, server, fresh)
                browser.close()
    big_ms, small_ms = statistics.median(big), statistics.median(small)
    print(f"sidebar_render_ms: {big_ms:.1f}")
    print(f"sidebar_render_max_ms: {max(big):.1f}")
    print(f"sidebar_render_minimal_ms: {small_ms:.1f}")
    print(f"sidebar_render_ratio: {big_ms / small_ms:.2f}")
    print(f"view_payload_kb: {payload / 1024:.1f}")
    print(f"sidebar_expand_all_ms: {expanded:.1f}")
    print(f"first_screen_items: {min(stages, stages_fresh)}")
    print(f"first_screen_items_example: {stages}")
    print(f"first_screen_items_fresh: {stages_fresh}")
    print(f"sidebar_default_width_px: {width:.0f}")


if __name__ == "__main__":
    main()
