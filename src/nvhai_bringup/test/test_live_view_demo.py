"""During one `nvhai-demo --serve` run: headless Chromium watches the live page update, and
`nvhai-echo` prints the loop's topics (nvhai, sensor and diagnostic messages).

The browser test needs Debian's `chromium` and `chromium-driver` (.ci/run installs them) and skips,
saying so, where they are absent. NVHAI_WEB_SCREENSHOT=docs/web_view.png refreshes the README's picture.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from ros_harness import start_python, stop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


class ServingDemo:
    """The demo process, its output collected by a thread (so its pipe never fills), and the page's URL."""

    def __init__(self) -> None:
        self.proc = start_python(["-m", "nvhai_bringup.demo", "--serve", "--port", "0"])
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self._wait_for_url(timeout_s=180)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def _wait_for_url(self, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in list(self.lines):
                if m := re.search(r"live view: (http://\S+)", line):
                    return m.group(1)
            time.sleep(0.2)
        raise AssertionError("the demo printed no live view URL:\n" + "".join(self.lines[-40:]))

    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture(scope="module")
def demo():
    d = ServingDemo()
    yield d
    stop(d.proc, timeout_s=20)
    assert d.proc.returncode == 0, d.output()[-3000:]


def echo(*args: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nvhai_tools.echo_cli", *args], capture_output=True, text=True,
                          timeout=timeout_s, env=dict(os.environ))


def test_echo_prints_one_emotion_message_during_the_demo(demo):
    out = echo("/emotion", "--once")
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith("---") and out.stdout.count("---") == 1
    message = yaml.safe_load(out.stdout.rstrip().removesuffix("---"))
    assert message["label"] in message["labels"] and len(message["probabilities"]) == len(message["labels"]) >= 2
    assert abs(sum(message["probabilities"]) - 1) < 1e-3, out.stdout


def test_echo_csv_and_other_message_packages(demo):
    out = echo("/emotion", "--once", "--csv")
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.splitlines()
    columns = dict(zip(header.split(","), row.split(","), strict=True))
    probabilities = [float(v) for k, v in columns.items() if k.startswith("probabilities.")]
    assert len(probabilities) >= 2 and abs(sum(probabilities) - 1) < 1e-3, columns
    image = echo("/image_raw", "--once", "--truncate-length", "4")  # sensor_msgs, best-effort publisher
    assert image.returncode == 0, image.stderr
    assert "encoding: bgr8" in image.stdout and "width: 640" in image.stdout and "- '...'" in image.stdout
    diag = echo("/diagnostics", "--once", "--type", "diagnostic_msgs/msg/DiagnosticArray")
    assert diag.returncode == 0, diag.stderr
    assert re.search(r"^  name: '?nvhai_\w+", diag.stdout, re.M), diag.stdout


def test_echo_of_a_topic_nobody_publishes_is_a_one_line_error():
    out = echo("/nobody_publishes_this", "--wait", "1")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "/nobody_publishes_this" in out.stderr and "--type" in out.stderr


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("headless browser test skipped: Debian's chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver; .ci/run does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1300"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(driver, script: str, timeout_s: float = 90.0):
    """Poll a JS expression until it is truthy; returns its value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return {script};")
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"page never satisfied `{script}`; nvhaiView = "
                         f"{driver.execute_script('return JSON.stringify(window.nvhaiView)')}")


PAGE_STATE = """(() => {
  const v = window.nvhaiView;
  const values = [...document.querySelectorAll('.emotion-value')].map((e) => e.textContent);
  const first = [...document.querySelectorAll('.person:first-child .emotion-value')].map((e) => e.textContent);
  return {frames: v.frames, skeletons: v.skeletonsDrawn, forecasts: v.forecastsDrawn, avatars: v.avatarsDrawn,
          values: values.join(' '), first: first.map(Number)};
})()"""

# Pixels of the camera canvas in the skeleton's green, and the spread of its grey levels (an image, not a blank).
CANVAS_CHECK = """(() => {
  const c = document.getElementById('camera');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let green = 0, sum = 0, sq = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] < 60 && d[i + 1] > 200 && d[i + 2] < 60) green++;
    const g = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += g; sq += g * g;
  }
  const n = d.length / 4;
  return {width: c.width, height: c.height, green, std: Math.sqrt(sq / n - (sum / n) ** 2)};
})()"""


def test_browser_shows_image_skeleton_and_emotions_updating(demo, browser, tmp_path):
    browser.get(demo.url)
    first = wait_for(browser, f"(s => s.frames >= 5 && s.skeletons > 0 && s.values ? s : null)({PAGE_STATE})")
    later = wait_for(browser, f"(s => s.frames >= {first['frames']} + 20 && s.skeletons > {first['skeletons']} "
                              f"&& s.values !== {first['values']!r} ? s : null)({PAGE_STATE})")
    assert later["forecasts"] > 0 and later["avatars"] > 0
    canvas = browser.execute_script(f"return {CANVAS_CHECK};")
    assert (canvas["width"], canvas["height"]) == (640, 360), "the camera image's own size"
    assert canvas["std"] > 20, f"a camera picture, not a blank canvas: {canvas}"
    # A frame is drawn when its image arrives and its skeleton when its keypoints do: on a busy machine a
    # look may fall in between, so the skeleton must be seen on the image within a few frames, not at once.
    canvas = wait_for(browser, f"(c => c.green > 30 ? c : null)({CANVAS_CHECK})", timeout_s=20.0)
    assert canvas["green"] > 30, f"the skeleton is drawn on the image: {canvas}"
    assert len(later["first"]) >= 2 and abs(sum(later["first"]) - 1) < 0.03, "one person's probabilities, shown"
    assert browser.find_element("id", "attention").text.startswith("attends person #")
    assert wait_for(browser, "document.querySelectorAll('#diagnostics td.ok, #diagnostics td.warn').length", 30)
    target = os.environ.get("NVHAI_WEB_SCREENSHOT")
    if target:  # the README's picture: let the timelines fill first
        wait_for(browser, "window.nvhaiView.emotionsReceived >= 240", 180)
    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "web_view.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    if target:
        shutil.copy(shot, Path(target))
