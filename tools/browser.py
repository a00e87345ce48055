"""The student notebooks in a real browser: JupyterLab driven by Debian's headless Chromium (selenium).

    with notebook_browser() as browser:
        problems = browser.run(student_notebook("02_stride"), "02_stride.ipynb")
        browser.screenshot("02_stride.png")

`notebook_browser()` starts JupyterLab on 127.0.0.1 (a free port, a random token, a temporary root and
temporary config, data, runtime, settings and workspace folders; labextensions named in disabled_extensions
are off, as `jupyter labextension disable` would set them in that config) and one Chromium, and stops both.
`run` writes a notebook into the lab's root, opens it (the first at /lab/tree/NAME, the next ones in the
same page), runs all cells (or, with lesson_only, the cells above the first answer cell: the lesson and
the explorer, as a student meets them before answering) and returns what a student would see go wrong:
- error outputs and stderr streams, read from JupyterLab's notebook model;
- images that did not load (naturalWidth 0): markdown attachments, figures, widget images; images on
  other sites (the Colab badge) are not checked, since the test machine has no network;
- widgets that did not render ("Error displaying widget", still "Loading widget...", or no widget);
- explorer panels (code cells with metadata course.generated == "explorer"): an ipywidgets panel with an
  IntSlider, a widgets.Image and an HTMLMath; moving a slider with the keyboard must redraw the image
  and change the text, and moving it back must bring the first text back (the panel is left as it opened).
Used by tests/test_browser.py and tools/screenshots.py.
"""
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
from contextlib import contextmanager
from pathlib import Path

import nbformat

from autograder.build.release import RELEASE, notebook_path, with_solution_answers

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1000"]
# User settings of the lab: no news or update popups; every cell in the page, so all of it can be checked.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}
RUN_TIMEOUT = 300      # seconds for one notebook's cells (notebook 07 times its code)
OPEN_TIMEOUT = 60      # seconds for the lab to answer, a page to load, a kernel to start
RENDER_TIMEOUT = 20    # seconds for widgets and images to show, an explorer to redraw


def missing_browser():
    """None, or what is missing to run the browser and how to install it."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return (f"{' and '.join(missing)} not found: run `make browser` as root, or "
                "`apt-get install chromium chromium-driver` (Debian's packages)")


def student_notebook(assignment, answered=True):
    """notebooks/NN_x/NN_x.ipynb with the solution's answer in every answer cell (answered=False: as released)."""
    nb = nbformat.read(notebook_path(assignment, RELEASE), as_version=4)
    return with_solution_answers(nb, assignment) if answered else nb


def wait_for(what, check, timeout, interval=0.1):
    """Poll check() until it returns something true, and return it; after timeout seconds raise saying what."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)
    return result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(tmp, disabled_extensions=()):
    """The venv's JupyterLab serving tmp/root on 127.0.0.1, without the labextensions disabled_extensions;
    yields (base url, token). Always stopped."""
    token, port = secrets.token_hex(16), free_port()
    root, settings = tmp / "root", tmp / "settings"
    root.mkdir()
    if disabled_extensions:     # what `jupyter labextension disable NAME` writes, in this lab's config dir only
        page_config = tmp / "config" / "labconfig" / "page_config.json"
        page_config.parent.mkdir(parents=True)
        page_config.write_text(json.dumps({"disabledExtensions": {name: True for name in disabled_extensions}}))
    for name, values in LAB_SETTINGS.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "CONV1D_EXPLORER")}  # as a student has it
    env.update(JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), IPYTHONDIR=str(tmp / "ipython"))
    log = open(tmp / "lab.log", "wb")
    lab = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--port-retries=0", "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        def answers():
            if lab.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({lab.returncode}):\n{(tmp / 'lab.log').read_text()[-2000:]}")
            try:
                return urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).status == 200
            except OSError:
                return False
        wait_for(f"JupyterLab to answer on {url}/api/status", answers, OPEN_TIMEOUT)
        yield url, token
    finally:
        lab.terminate()          # the server shuts its kernels down
        try:
            lab.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
        log.close()


@contextmanager
def chromium(tmp):
    """Debian's chromium, headless, through /usr/bin/chromedriver (selenium-manager is never asked)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={tmp / 'chromium'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


# JavaScript run in the page. PANEL finds the notebook panel of the file arguments[0].
PANEL = ("const app = window.jupyterapp;"
         "const panel = app && [...app.shell.widgets('main')].find(w => w.context && w.context.path === arguments[0]);")
KERNEL_IDLE = PANEL + ("return !!panel && panel.context.isReady && "
                       "panel.sessionContext.session?.kernel?.status === 'idle';")
RUN_ALL = """const done = arguments[arguments.length - 1];
window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => done(null), e => done(String(e)));"""
# The cells above the first answer cell (nbgrader solution), or all cells when there is none.
RUN_LESSON = PANEL.replace("const app", "const done = arguments[arguments.length - 1]; const app") + """
const answer = panel.content.widgets.findIndex(c => c.model.getMetadata('nbgrader')?.solution);
if (answer >= 0) panel.content.activeCellIndex = answer;
app.commands.execute(answer >= 0 ? 'notebook:run-all-above' : 'notebook:run-all-cells')
  .then(() => done(null), e => done(String(e)));"""
SETTLED = KERNEL_IDLE.replace("return ", "return ![...panel.node.querySelectorAll('.jp-InputPrompt')]"
                              ".some(p => p.textContent.includes('*')) && ")
# What a student sees: rendered markdown and outputs (not the editors), images from this machine only.
IMAGES = ("(node => [...node.querySelectorAll('.jp-RenderedMarkdown img, .jp-OutputArea img')]"
          ".filter(i => !/^https?:/.test(i.src) || i.src.startsWith(location.origin)))")
RENDERED = PANEL + f"""return {IMAGES}(panel.node).every(i => i.complete) &&
    ![...panel.node.querySelectorAll('.jp-OutputArea-output')].some(o => o.textContent.includes('Loading widget...'));"""  # noqa: E501
PROBLEMS = PANEL + f"""const problems = [];
panel.content.widgets.forEach((cell, i) => {{
  const say = text => problems.push(`cell ${{i + 1}}: ${{text}}`);
  const outputs = cell.model.type === 'code' ? cell.model.outputs.toJSON() : [];
  for (const o of outputs) {{
    if (o.output_type === 'error') say(`error ${{o.ename}}: ${{o.evalue}}`);
    if (o.output_type === 'stream' && o.name === 'stderr') say(`stderr: ${{[].concat(o.text).join('').slice(0, 300)}}`);
  }}
  for (const img of {IMAGES}(cell.node))
    if (!img.complete || img.naturalWidth === 0)
      say(`image did not load: src="${{(img.getAttribute('src') ?? '').slice(0, 60)}}" alt="${{img.alt.slice(0, 60)}}"`);
  const shown = [...cell.node.querySelectorAll('.jp-OutputArea-output')];
  const broken = shown.filter(o => /Error displaying widget|Loading widget[.][.][.]/.test(o.textContent));
  broken.forEach(o => say(`widget: ${{o.textContent.trim().slice(0, 200)}}`));
  const views = outputs.filter(o => o.data?.['application/vnd.jupyter.widget-view+json']?.model_id).length;
  const rendered = shown.filter(o => o.querySelector('.jupyter-widgets')).length;
  if (!broken.length && rendered < views) say(`${{views - rendered}} widget output(s) show no widget`);
}});
return problems;"""  # noqa: E501 (a long line of the text inside)
# The explorer panels: for each, its cell number, what it lacks, and its first slider handle that can move
# right, image and HTMLMath (elements, for selenium).
EXPLORERS = PANEL + """return panel.content.widgets.map((cell, i) => {
  if (cell.model.getMetadata('course')?.generated !== 'explorer') return null;
  const out = cell.node.querySelector('.jp-OutputArea'), one = s => out.querySelector(s);
  const handles = [...out.querySelectorAll('.widget-slider .noUi-handle')];
  const found = {cell: i + 1, box: one('.widget-box'), slider: handles[0],
                 image: one('img.widget-image, .widget-image img'), text: one('.widget-htmlmath')};
  found.missing = ['box', 'slider', 'image', 'text'].filter(k => !found[k]);
  found.handle = handles.find(h => +h.getAttribute('aria-valuenow') < +h.getAttribute('aria-valuemax'));
  return found;
}).filter(p => p);"""
# For a screenshot: the notebook's tab alone, no cell selected, its explorer cell at the top (with the heading
# above it), else its first figure, else the first markdown picture with its cell.
SCREEN_TARGET = PANEL + f"""[...app.shell.widgets('main')].filter(w => w !== panel).forEach(w => w.close());
panel.context.model.dirty = false; panel.content.activeCellIndex = 0; panel.content.deselectAll();
const cells = panel.content.widgets;
const at = cells.findIndex(c => c.model.getMetadata('course')?.generated === 'explorer');
const images = {IMAGES}(panel.node), figures = images.filter(i => i.closest('.jp-OutputArea'));
const heading = at > 0 && cells[at - 1].model.type === 'markdown' ? cells[at - 1] : cells[at];
const target = at >= 0 ? heading.node : figures[0] ?? images[0]?.closest('.jp-Cell');
(target ?? cells[0].node).scrollIntoView({{block: 'start'}});"""
SHUTDOWN = PANEL.replace("const app", "const done = arguments[arguments.length - 1]; const app") + """
if (!panel) return done(null);
panel.context.model.dirty = false;    // leave the page without a 'discard changes?' prompt
panel.sessionContext.shutdown().then(() => { panel.close(); done(null); }, e => done(String(e)));"""


class NotebookBrowser:
    """One JupyterLab and one Chromium; notebooks are opened and run one after another."""

    def __init__(self, url, token, root, driver):
        self.url, self.token, self.root, self.driver = url, token, root, driver
        self.name = None    # the notebook open now

    def js(self, script, *args):
        return self.driver.execute_script(script, self.name, *args)

    def js_async(self, what, script, timeout):
        """Run script, which calls its last argument when done, within timeout seconds."""
        from selenium.common.exceptions import TimeoutException
        self.driver.set_script_timeout(timeout)
        try:
            return self.driver.execute_async_script(script, self.name)
        except TimeoutException:
            raise TimeoutError(f"gave up after {timeout} s waiting for {what} in {self.name}") from None

    def run(self, nb, name, timeout=RUN_TIMEOUT, lesson_only=False):
        """Open nb (written to the lab's root as name), run all cells (lesson_only: those above the first
        answer cell), return the problems found."""
        self.close()
        nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
        nbformat.write(nb, self.root / name)     # (without a kernelspec, the lab would ask which kernel)
        self.name = name
        if self.driver.current_url.startswith(self.url):   # the lab is loaded: open the file in it
            self.js("window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0]})")
        else:
            self.driver.get(f"{self.url}/lab/tree/{name}?reset&token={self.token}")
        wait_for(f"JupyterLab to open {name} with an idle kernel", lambda: self.js(KERNEL_IDLE), OPEN_TIMEOUT)
        self.js("window.jupyterapp.shell.collapseLeft()")     # the notebook alone, full width
        failed = self.js_async("'run all cells'", RUN_LESSON if lesson_only else RUN_ALL, timeout)
        if failed:
            return [f"run all cells failed: {failed}"]
        wait_for(f"the cells of {name} to finish", lambda: self.js(SETTLED), timeout)
        try:
            wait_for(f"the widgets and images of {name} to show", lambda: self.js(RENDERED), RENDER_TIMEOUT)
        except TimeoutError:
            pass                   # what is still missing is reported below
        return self.js(PROBLEMS) + [p for panel in self.js(EXPLORERS) for p in self.explorer_problems(panel)]

    def explorer_problems(self, panel):
        """What is wrong with one explorer panel (found by EXPLORERS): a part missing, or no redraw when the
        slider handle gets an arrow key."""
        from selenium.webdriver.common.keys import Keys
        where = f"cell {panel['cell']}: explorer"
        if panel["missing"] or not panel["handle"]:
            return [f"{where} lacks {', '.join(panel['missing']) or 'a slider that can move right'}"]

        def drawn():
            return panel["image"].get_attribute("src"), panel["text"].get_attribute("textContent")
        before = drawn()
        panel["handle"].send_keys(Keys.ARROW_RIGHT)
        try:
            wait_for(f"the explorer of {self.name} to redraw", lambda: all(a != b for a, b in zip(drawn(), before)),
                     RENDER_TIMEOUT)
        except TimeoutError:
            return [f"{where}: moving a slider did not change both the image and the text"]
        panel["handle"].send_keys(Keys.ARROW_LEFT)
        try:
            wait_for(f"the explorer of {self.name} to redraw back", lambda: drawn()[1] == before[1], RENDER_TIMEOUT)
        except TimeoutError:
            return [f"{where}: moving the slider back did not bring the first text back"]
        return []

    def screenshot(self, png):
        """A viewport PNG of the notebook run last, alone in the lab: its explorer panel (with its heading),
        else its first figure, at the top."""
        self.js(SCREEN_TARGET)
        time.sleep(0.5)      # let the lab lay out after the closed tabs and the scroll
        self.driver.save_screenshot(str(png))

    def close(self):
        """Shut down the kernel of the notebook open now, and close its tab."""
        if self.name:
            self.js_async("its kernel to shut down", SHUTDOWN, OPEN_TIMEOUT)
            self.name = None


@contextmanager
def notebook_browser(disabled_extensions=()):
    """A NotebookBrowser (its lab without the labextensions disabled_extensions); JupyterLab, Chromium and
    their temporary folders are gone afterwards."""
    problem = missing_browser()
    if problem:
        raise RuntimeError(problem)
    tmp = Path(tempfile.mkdtemp(prefix="conv1d-browser-"))
    try:
        with jupyter_lab(tmp, disabled_extensions) as (url, token), chromium(tmp) as driver:
            browser = NotebookBrowser(url, token, tmp / "root", driver)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
