"""Make the screenshots in docs/screenshots/: every explorer, live in JupyterLab.

Run from the repository root: ``python docs/make_screenshots.py``. Needs Debian's chromium
(``/usr/bin/chromium``, or set COURSEKIT_CHROMIUM) and the playwright Python package. It
writes a notebook with one cell per explorer into a temporary directory, runs it in a
JupyterLab server on localhost in headless Chromium (``tests/lab_driver.py``, shared with
the browser test), and saves each cell's output.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT / "tests"))  # the JupyterLab driver lives with the browser test

import lab_driver  # noqa: E402

# file name -> the cell that shows it (a setting chosen to show something worth seeing)
SHOTS = {
    "explore_gd": "from coursekit.widgets import explore_gd\nexplore_gd(lr=0.15, steps=6)",
    "explore_gd_2d": "from coursekit.widgets import explore_gd_2d\nexplore_gd_2d()",
    "optimizer_race": "from coursekit.widgets import optimizer_race\noptimizer_race()",
    "backprop_stepper": "from coursekit.widgets import backprop_stepper\nbackprop_stepper(step=10)",
    "explore_overfitting": ("from coursekit.widgets import explore_overfitting\n"
                            "explore_overfitting(degree=9, noise=0.2)"),
    "explore_neuron": "from coursekit.widgets import explore_neuron\nexplore_neuron()",
    "playground": ("from coursekit.widgets import playground\n"
                   "playground(dataset='circles', epoch=60)"),
}


def main() -> int:
    reason = lab_driver.browser_missing()
    if reason:
        print(f"cannot make screenshots: {reason}", file=sys.stderr)
        return 1
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as root:
        lab_driver.write_notebook(Path(root) / "explorers.ipynb", list(SHOTS.values()))
        with lab_driver.JupyterLab(root) as lab, lab_driver.chromium_page(width=1500, height=1100) as page:
            lab_driver.run_cells(page, lab, "explorers.ipynb")
            page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")
            cells = page.locator(".jp-NotebookPanel .jp-CodeCell")
            for index, name in enumerate(SHOTS):
                output = cells.nth(index).locator(".jp-OutputArea-output")
                output.locator("img").first.wait_for(timeout=60_000)
                output.scroll_into_view_if_needed()
                path = OUT / f"{name}.png"
                output.screenshot(path=str(path))
                print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
