"""The worklist page in a real browser (Debian's headless Chromium, driven by selenium)."""

import io
import json
import re
import shutil
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from pydicom import dcmread

from advisor.node.journal import Journal
from advisor.web.worklist import LABEL_COLOUR
from conftest import SAMPLES, free_port, wait_for
from test_node import storescu


@pytest.fixture
def browser(tmp_path: Path):
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("chromium and chromedriver not found: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    yield session
    session.quit()


def rows(browser) -> list:
    return browser.find_elements(By.CSS_SELECTOR, "tr.study")


def row_texts(browser) -> list[str]:
    """The rows' text read in one go: the page may redraw its rows between two calls."""
    return browser.execute_script(
        "return [...document.querySelectorAll('tr.study')].map(r => r.innerText)")


def test_study_appears_live_with_recommendation_and_key_image(dcmtk, start_node, browser):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    browser.get(f"http://127.0.0.1:{http_port}/")
    assert "Protocol advisor" in browser.title
    assert row_texts(browser) == []

    folder = SAMPLES / "06-calcified-left-flank-pixels-only"
    assert storescu(dcmtk, node, "+sd", str(folder)).returncode == 0
    # The page was not reloaded: the row comes from its own refresh. Once the study is
    # analysed nothing changes any more, so the page stops redrawing the row.
    wait_for(lambda: any("recommended" in t for t in row_texts(browser)), timeout=60,
             what="the study on the open page")
    [row] = rows(browser)
    assert "Suggested: CT abdomen/pelvis, precontrast + portal venous phase" in row.text
    assert "left" in row.text and "outbox only" in row.text
    image = row.find_element(By.CSS_SELECTOR, "img.key-image")
    wait_for(lambda: browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image),
             what="the key image to load")
    assert browser.execute_script("return arguments[0].naturalWidth", image) >= 960
    assert "SYNTHETIC" not in browser.page_source, "no patient names unless enabled"

    row.find_element(By.TAG_NAME, "a").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "ul.caution li"), what="the study page")
    page = browser.find_element(By.TAG_NAME, "body").text
    for expected in ("Decision support: confirm with a radiologist", "Check renal function",
                     "MRI abdomen", "Neuroblastoma", "Image Gently", "Calcification: present (from detector)",
                     "1. Precontrast: Limited to the mass region", "for this patient 32 mL"):
        assert expected in page, expected
    frames = browser.find_elements(By.CSS_SELECTOR, "img.frame")
    assert len(frames) == 1  # one distinct focus, seen on 4 frames of 2 images
    wait_for(lambda: all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", f)
                         for f in frames), what="the frames with their foci")


def test_worklist_api_starts_empty_and_an_unknown_study_is_404(start_node):
    http_port = free_port()
    start_node("--http-port", str(http_port))
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/studies", timeout=10) as response:
        assert json.loads(response.read()) == []
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"http://127.0.0.1:{http_port}/study/1.2.3", timeout=10)
    assert missing.value.code == 404


def test_outcomes_without_a_protocol_say_why(dcmtk, start_node, browser):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    for folder in ("03-right-mass-no-calcification", "05-no-age"):
        assert storescu(dcmtk, node, "-xy", "+sd", str(SAMPLES / folder)).returncode == 0
    browser.get(f"http://127.0.0.1:{http_port}/")
    wait_for(lambda: len([t for t in row_texts(browser) if "pending" not in t]) == 2, timeout=60)
    texts = row_texts(browser)
    assert any("not-indicated" in t and "calcification not found (the sonographer's report text)" in t for t in texts)
    assert any("insufficient-data" in t and "Patient age unknown" in t for t in texts)


def test_rows_carry_accession_age_time_and_the_not_indicated_caution_and_filter_by_outcome(
        dcmtk, start_node, browser, tmp_path):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    for folder in ("01-calcified-left-flank-coded", "03-right-mass-no-calcification"):
        assert storescu(dcmtk, node, "-xy", "+sd", str(SAMPLES / folder)).returncode == 0
    browser.set_window_size(1400, 900)
    browser.get(f"http://127.0.0.1:{http_port}/")
    wait_for(lambda: len([t for t in row_texts(browser) if "pending" not in t]) == 2, timeout=60)
    browser.save_screenshot(str(tmp_path / "worklist.png"))
    texts = row_texts(browser)
    [negative] = [t for t in texts if "not-indicated" in t]
    assert "Ultrasound can miss calcification" in negative
    assert all(re.search(r"Accession SYNACC\d+; age \d+ years", t) for t in texts), texts
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in texts)
    assert all("3 instance(s), SR, US" in t for t in texts), texts

    Select(browser.find_element(By.ID, "filter")).select_by_visible_text("recommended")
    wait_for(lambda: len(row_texts(browser)) == 1)
    assert "recommended" in row_texts(browser)[0]


def test_study_page_in_plain_words_with_rationale_and_the_weight_behind_the_contrast(
        dcmtk, start_node, browser):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    assert storescu(dcmtk, node, "-xy", "+sd", str(SAMPLES / "01-calcified-left-flank-coded")).returncode == 0
    browser.get(f"http://127.0.0.1:{http_port}/")
    wait_for(lambda: any("recommended" in t for t in row_texts(browser)), timeout=60)
    rows(browser)[0].find_element(By.TAG_NAME, "a").click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "ul.why li"), what="the study page")
    why = browser.find_element(By.CSS_SELECTOR, "ul.why").text
    assert "the sonographer's coded findings" in why and "(Calcification: present (from sr-coded" in why
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Rationale" in page
    weight = dcmread(next((SAMPLES / "01-calcified-left-flank-coded").glob("US*.dcm"))).PatientWeight
    assert f"computed from a weight of {weight} kg" in page and "confirm the weight on the day" in page


def test_the_page_warns_when_the_node_cannot_be_reached(start_node, browser):
    http_port = free_port()
    node = start_node("--http-port", str(http_port))
    browser.get(f"http://127.0.0.1:{http_port}/")
    wait_for(lambda: browser.execute_script("return lastOk !== null"), what="a first refresh")
    banner = browser.find_element(By.ID, "offline")
    assert not banner.is_displayed()
    node.stop()
    wait_for(lambda: banner.is_displayed(), timeout=10, what="the offline banner")
    assert "cannot be reached" in banner.text and "last updated" in banner.text


def test_the_study_page_shows_the_burned_in_text_boxed_on_its_frame(dcmtk, start_node):
    http_port = free_port()
    node = start_node("--quiet-seconds", "0.5", "--http-port", str(http_port))
    folder = SAMPLES / "07-calcified-mass-side-burned-in"
    assert storescu(dcmtk, node, "-xy", "+sd", str(folder)).returncode == 0
    study = str(dcmread(next(folder.glob("US*.dcm"))).StudyInstanceUID)
    base = f"http://127.0.0.1:{http_port}"

    def summary():
        studies = json.loads(urllib.request.urlopen(f"{base}/api/studies", timeout=10).read())
        return any(s["outcome"] == "recommended" for s in studies)
    wait_for(summary, timeout=60, what="the study analysed")
    page = urllib.request.urlopen(f"{base}/study/{study}", timeout=10).read().decode()
    assert "<ul class='burned-in'><li>TRANS L ADRENAL</li></ul>" in page
    [(sop, frame)] = re.findall(rf"class='labelled-frame' src='/frame/{study}/([0-9.]+)/(\d+)\.png'", page)
    with urllib.request.urlopen(f"{base}/frame/{study}/{sop}/{frame}.png", timeout=10) as response:
        image = np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB"))
    journal = Journal(node.data_dir / "journal.sqlite3")
    try:
        [label] = journal.study_summary(study)["burned_in_text"]
    finally:
        journal.close()
    x0, y0, x1, y1 = label["box"]
    outline = image[y0 * 2 - 3, x0 * 2:(x1 + 1) * 2]  # the top edge of the box, at scale 2
    assert (outline == LABEL_COLOUR).all(axis=1).mean() > 0.9, "the label is boxed in green"
