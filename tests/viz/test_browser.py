"""The report and the explorer in headless Chromium: no console errors, images render, the
explorer answers the pointer. Skipped when Chromium, chromedriver or selenium are absent.

Set AEKIT_SCREENSHOTS=DIR to keep the screenshots.
"""

import io
import os
import shutil

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (dev extra)")
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
if CHROMIUM is None or CHROMEDRIVER is None:
    pytest.skip("Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--window-size=1200,1000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


def _keep(name: str, png: bytes) -> None:
    folder = os.environ.get("AEKIT_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(png)


def _console_errors(driver) -> list:
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def test_report_renders_without_console_errors(browser, tiny_run):
    from selenium.webdriver.common.by import By

    browser.get((tiny_run[0] / "report.html").resolve().as_uri())
    assert _console_errors(browser) == []
    images = browser.find_elements(By.TAG_NAME, "img")
    assert len(images) == 3
    assert browser.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth > 100)")
    _keep("report.png", browser.get_screenshot_as_png())
    for i, img in enumerate(images):
        browser.execute_script("arguments[0].scrollIntoView()", img)
        png = img.screenshot_as_png
        _keep(f"report-img{i}.png", png)
        pixels = _pixels(png)
        assert pixels.shape[0] > 100 and pixels.std() > 10, f"image {i} looks blank"


def test_explorer_answers_pointer_and_click(browser, tiny_run):
    from aekit.viz import write_explorer
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    page = write_explorer(tiny_run[0], grid=12)
    browser.get(page.resolve().as_uri())
    assert _console_errors(browser) == []
    plane = browser.find_element(By.ID, "plane")
    decoded_url = "return document.getElementById('decoded').toDataURL()"
    start = browser.execute_script(decoded_url), plane.get_attribute("data-cell")
    ActionChains(browser).move_to_element_with_offset(plane, -230, 230).perform()  # near the bottom-left corner
    corner = browser.execute_script(decoded_url), plane.get_attribute("data-cell")
    ActionChains(browser).move_to_element_with_offset(plane, 230, -230).perform()  # near the top-right corner
    other = browser.execute_script(decoded_url), plane.get_attribute("data-cell")
    assert corner[1] == "0,0" and other[1] == "11,11" and start[1] not in (corner[1], other[1])
    assert len({start[0], corner[0], other[0]}) == 3, "the decoded image must change with the pointer"
    decoded_png = browser.find_element(By.ID, "decoded").screenshot_as_png
    assert _pixels(decoded_png).std() > 5
    _keep("explorer-decoded.png", decoded_png)

    # click on data point 7: the page shows its input and reconstruction
    px, py = browser.execute_script("return toPx(D.points[7])")
    ActionChains(browser).move_to_element_with_offset(plane, int(px) - 260, int(py) - 260).click().perform()
    assert plane.get_attribute("data-selected") is not None
    chosen = int(plane.get_attribute("data-selected"))
    cx, cy = browser.execute_script(f"return toPx(D.points[{chosen}])")
    assert abs(cx - px) <= 10 and abs(cy - py) <= 10
    for canvas in ("input", "recon"):
        assert _pixels(browser.find_element(By.ID, canvas).screenshot_as_png).std() > 5, canvas
    _keep("explorer.png", browser.get_screenshot_as_png())
    assert _console_errors(browser) == []
