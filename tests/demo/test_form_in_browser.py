"""The demo's portal form in a real browser (headless Chromium): the page a business process renders
for a person, whose links carry no token. Every link is clicked as a person would: downloads keep
their names (``паспорт Петра.pdf``) and bytes, the photo renders inline, PDFs open in the browser, and
the HTML file uploaded as a document is downloaded, never rendered (its script never runs)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from codegen.demo import samples
from codegen.demo.instructions import FORM_LINE, READY_LINE
from registry_api.embedded import free_port
from tests.browser import chromium, chromium_paths, downloaded, downloads_to
from tests.demo.test_demo import START_TIMEOUT_S, RunningDemo, demo_process, stop_with_ctrl_c

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BY_NAME = {sample.filename: sample for sample in (samples.PHOTO, *samples.DOCUMENTS)}


def form_url(demo: RunningDemo) -> str:
    lines = demo.output.splitlines()
    (index,) = [i for i, line in enumerate(lines) if line.startswith(FORM_LINE)]
    return lines[index + 1].strip()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_portal_form_works_in_a_browser(tmp_path: Path) -> None:
    chromium_paths()  # before the demo starts: fail (CI) or skip at once without a browser
    ports = [free_port() for _ in range(3)]
    with demo_process(tmp_path, ports) as demo:
        demo.wait_for(READY_LINE, START_TIMEOUT_S)
        url = form_url(demo)
        public = f"http://127.0.0.1:{ports[2]}/api/data-factory/l/"
        with chromium(tmp_path / "chromium-profile") as browser:
            browser.get(url)
            assert samples.USER_NAME in browser.title
            assert browser.find_element(By.ID, "city").text == samples.CITY_NAME

            # The photo: an <img> whose src is a signed link on the public service, rendered inline.
            image = browser.find_element(By.ID, "photo-preview")
            assert image.get_attribute("src").startswith(public)
            size = browser.execute_script("return [arguments[0].complete, arguments[0].naturalWidth]", image)
            assert size == [True, 32]  # decoded: a broken image has no natural width
            shot = image.screenshot_as_png
            assert shot.startswith(PNG_SIGNATURE)
            blank = browser.find_element(By.ID, "email").screenshot_as_png
            assert shot != blank

            # Every download link (the photo's public short link too): the file arrives under its own
            # name with its own bytes.
            links = browser.find_elements(By.CSS_SELECTOR, "#photo-download, #photo-short, a.download")
            assert len(links) == 2 + len(samples.DOCUMENTS)
            short = f"http://127.0.0.1:{ports[2]}/api/data-factory/s/"
            names = []
            for number, link in enumerate(links):
                assert link.get_attribute("href").startswith(short if number == 1 else public)
                folder = downloads_to(browser, tmp_path / "downloads" / str(number))
                link.click()
                (file,) = downloaded(folder)
                names.append(file.name)
                assert sha256(file) == BY_NAME[file.name].checksum, file.name
                assert browser.current_url == url  # a download leaves the page as it was
            assert names == [samples.PHOTO.filename] * 2 + [d.filename for d in samples.DOCUMENTS]
            assert samples.PASSPORT.filename == "паспорт Петра.pdf"

            # "Open in the browser": PDFs are shown; the HTML document is downloaded, never rendered.
            previews = browser.find_elements(By.CSS_SELECTOR, "a.preview")
            kinds = {_name_of(link): link.get_attribute("data-disposition") for link in previews}
            assert kinds == {
                samples.PASSPORT.filename: "inline",
                samples.RESIDENCE.filename: "inline",
                samples.APPLICATION.filename: "attachment",
            }
            application = next(link for link in previews if _name_of(link) == samples.APPLICATION.filename)
            href = application.get_attribute("href")
            folder = downloads_to(browser, tmp_path / "downloads" / "application-preview")
            application.click()
            (file,) = downloaded(folder)
            assert file.name == samples.APPLICATION.filename and sha256(file) == samples.APPLICATION.checksum
            assert browser.current_url == url and "SCRIPT RAN" not in browser.title
            browser.get(href)  # typed into the address bar: not rendered either, the form stays
            assert browser.current_url == url and "SCRIPT RAN" not in browser.title

            passport = next(link for link in previews if _name_of(link) == samples.PASSPORT.filename)
            href = passport.get_attribute("href")
            folder = downloads_to(browser, tmp_path / "downloads" / "passport-preview")
            passport.click()
            _eventually(lambda: browser.current_url == href, f"the browser opens {href}")
            # a PDF document in the tab (Chromium's PDF viewer draws it), not a download
            shown = "return document.contentType"
            _eventually(lambda: browser.execute_script(shown) == "application/pdf", "the PDF is shown")
            browser.back()

            # The photo opened on its own: an image document (its inline signed link).
            target = browser.find_element(By.ID, "photo-open").get_attribute("href")
            browser.find_element(By.ID, "photo-open").click()
            _eventually(lambda: browser.title.endswith("(32×32)"), "the photo is shown")  # not downloaded
            assert browser.current_url == target
            assert browser.get_screenshot_as_png().startswith(PNG_SIGNATURE)
            browser.back()
            assert list(folder.iterdir()) == []  # nothing shown inline was downloaded instead

        stop_with_ctrl_c(demo, tmp_path / "var")


def _name_of(link: WebElement) -> str:
    row = link.find_element(By.XPATH, "./ancestor::tr")
    return str(row.find_element(By.TAG_NAME, "td").text)


def _eventually(condition: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout_s} s")
