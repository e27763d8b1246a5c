"""Headless Chromium for tests that look at pages as a person would: Debian's ``chromium`` and
``chromium-driver`` (installed by ``.ci/tools``), driven by selenium through the system chromedriver.

Nothing is downloaded at run time: the browser and the driver are given by path, so Selenium Manager is
never asked to fetch one. Where they are missing the test fails in CI (``CI`` set) and is skipped on a
developer's machine, with the command that installs them.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # root in CI containers: Chromium's own sandbox needs user namespaces
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1100,900",
)


def chromium_paths() -> tuple[str, str]:
    """(browser, driver); a failure in CI, a skip elsewhere, when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    message = "headless Chromium is missing: run `bash .ci/tools` (apt: chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def chromium(profile_dir: Path) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium with its profile in ``profile_dir``; downloads need :func:`downloads_to`."""
    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (*CHROMIUM_ARGUMENTS, f"--user-data-dir={profile_dir}"):
        options.add_argument(argument)
    prefs = {
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
        # a page may start several downloads (Chromium otherwise blocks those after the first)
        "profile.default_content_setting_values.automatic_downloads": 1,
    }
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def downloads_to(driver: webdriver.Chrome, directory: Path) -> Path:
    """From now on, downloads land in ``directory`` (created) without asking."""
    directory.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(directory)}
    )
    return directory


def downloaded(directory: Path, count: int = 1, timeout_s: float = 20.0) -> list[Path]:
    """The files that finished downloading into ``directory``: waits until there are ``count`` of them
    and no partial ``.crdownload`` is left (returns what is there when the time is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        files = sorted(directory.iterdir())
        if len(files) >= count and not any(f.suffix == ".crdownload" for f in files):
            return files
        time.sleep(0.1)
    return sorted(directory.iterdir())
