"""Drive the explorers in a real JupyterLab: a development tool, not part of the package.

Used by the browser end-to-end test (``tests/test_e2e_browser.py``) and by the script that
makes the documentation's screenshots (``docs/make_screenshots.py``). It starts a JupyterLab
server on a free localhost port with a token, in a directory of its own and with settings of
its own (no news pop-ups), and opens notebooks in headless Chromium through Playwright.
Playwright is imported only here, so the explorers never need it.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("COURSEKIT_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# kind of closed network refuses; a fresh profile keeps runs independent.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
_NO_NEWS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False}}


def browser_missing() -> str | None:
    """Why a browser test cannot run here (a sentence), or None when it can."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (install Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install playwright)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of code cells (no outputs) running the project's own Python."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, str(path))
    return path


class JupyterLab:
    """A JupyterLab server in ``root`` on a free port; use as a context manager.

    Parameters
    ----------
    root : path
        The directory the server shows (notebooks are opened relative to it).
    timeout : float
        Seconds to wait for the server to answer.
    """

    def __init__(self, root, timeout: float = 90.0):
        self.root = Path(root)
        self.timeout = timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self._home = Path(tempfile.mkdtemp(prefix="coursekit-lab-"))
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> JupyterLab:
        settings = self._home / "settings"
        for name, values in _NO_NEWS.items():
            package, plugin = name.rsplit("/", 1)
            (settings / package).mkdir(parents=True, exist_ok=True)
            (settings / package / plugin).write_text(json.dumps(values))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self._home / "config"),
                   JUPYTER_RUNTIME_DIR=str(self._home / "runtime"), MPLBACKEND="Agg")
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", f"--ServerApp.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--ServerApp.open_browser=False",
                   f"--LabApp.user_settings_dir={settings}",
                   f"--LabApp.workspaces_dir={self._home / 'workspaces'}",
                   "--LabApp.expose_app_in_browser=True", "--ServerApp.allow_root=True"]
        self._log = open(self._home / "server.log", "wb")
        self._process = subprocess.Popen(command, env=env, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_up()
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log()}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return
            time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not answer within {self.timeout} s:\n{self.log()}")

    def log(self) -> str:
        """The server's output so far."""
        path = self._home / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def notebook_url(self, relative_path: str) -> str:
        """The address that opens ``relative_path`` (relative to ``root``) in JupyterLab."""
        return f"{self.url}/lab/tree/{relative_path}?token={self.token}&reset"

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            # The server runs in its own session: stop it and the kernels it started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
        self._log.close()
        shutil.rmtree(self._home, ignore_errors=True)


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    """A Playwright page in headless Debian Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="coursekit-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
                viewport={"width": width, "height": height})
            try:
                yield context.pages[0] if context.pages else context.new_page()
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def run_cells(page, lab: JupyterLab, notebook: str, indices=None,
              timeout_ms: float = 120_000) -> None:
    """Open ``notebook`` in JupyterLab, wait for its kernel, run cells and wait for them.

    Parameters
    ----------
    indices : list of int, optional
        Indices (among all cells) of the cells to run, in order; default: run all cells.
    """
    page.goto(lab.notebook_url(notebook), timeout=timeout_ms)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_ms)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=timeout_ms,
                           polling=250)
    _wait_for_idle_kernel(page, timeout_ms)
    if indices is None:
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    for index in indices or []:
        page.evaluate("""async index => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCellIndex = index;
            await window.jupyterapp.commands.execute('notebook:run-cell');
        }""", index)
    try:
        _wait_for_cells(page, timeout_ms, indices)
    except Exception as error:
        prompts = page.evaluate("""() => [...document.querySelectorAll(
            '.jp-NotebookPanel .jp-Cell')].map(c => c.querySelector('.jp-InputArea-prompt'))
            .map(p => p ? p.textContent : null)""")
        raise RuntimeError(f"cells did not finish (prompts {prompts}); page text:\n"
                           f"{page.inner_text('body')[:2000]}\nserver log:\n{lab.log()}") from error


def _wait_for_cells(page, timeout_ms: float, indices=None) -> None:
    # A code cell shows its execution count once it has run; "[*]" while it runs.
    page.wait_for_function(
        """indices => {
            const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')];
            const chosen = indices === null ? cells.filter(c => c.classList.contains('jp-CodeCell'))
                                            : indices.map(i => cells[i]);
            return chosen.length > 0 && chosen.every(c => c && /\\[\\d+\\]/.test(
                c.querySelector('.jp-InputArea-prompt').textContent));
        }""", arg=indices, timeout=timeout_ms, polling=250)


def _wait_for_idle_kernel(page, timeout_ms: float) -> None:
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return kernel && kernel.status === 'idle';
        }""", timeout=timeout_ms, polling=250)
