#!/usr/bin/env python3
"""Drives the review page in headless Chromium (Debian's chromium and chromium-driver, Selenium from PyPI, offline).

    review_browser.py --url http://127.0.0.1:PORT --key REVIEWER_KEY --release ID --purge ID --purge-sha256 HEX
                      --hostile ID --screenshots DIR

Signs in, checks that hostile metadata is shown inert, filters by reason, opens a detail, releases one upload with a
note, purges another with "block this content", then checks the audit log and the deny list, and signs out. Saves
screenshots of the list and of a detail page. Exits 0 when every step held; prints the failing step otherwise.
"""
import argparse
import os
import sys

os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download drivers

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--actor", required=True)
parser.add_argument("--release", required=True)
parser.add_argument("--purge", required=True)
parser.add_argument("--purge-sha256", required=True)
parser.add_argument("--hostile", required=True)
parser.add_argument("--screenshots", required=True)
args = parser.parse_args()
os.makedirs(args.screenshots, exist_ok=True)

options = Options()
options.binary_location = os.environ.get("AIRLOCK_CHROMIUM", "/usr/bin/chromium")
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,1000"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service(os.environ.get("AIRLOCK_CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
driver.set_page_load_timeout(30)
driver.implicitly_wait(5)  # lookups wait for the page a click or a submit navigates to
step = "start"


def absent(selector):
    """No element matches, checked at once (the implicit wait is for elements that should appear)."""
    driver.implicitly_wait(0)
    try:
        return not driver.find_elements(By.CSS_SELECTOR, selector)
    finally:
        driver.implicitly_wait(5)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def no_alert():
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def open_detail(upload_id):
    driver.get(f"{args.url}/review/items/{upload_id}")
    expect(upload_id in driver.find_element(By.TAG_NAME, "h2").text, f"the detail page of {upload_id} opens")


try:
    step = "the sign-in page shows nothing of the quarantine"
    driver.get(args.url + "/review")
    expect(driver.find_elements(By.ID, "credential"), "a credential field")
    expect(absent("#quarantine"), "no quarantine table before sign-in")
    expect(args.release not in driver.page_source, "no upload id before sign-in")

    step = "a wrong key is refused"
    driver.find_element(By.ID, "credential").send_keys("alk_not-a-real-key")
    driver.find_element(By.CSS_SELECTOR, "form[action='/review/sign-in'] button").click()
    expect("not valid" in driver.find_element(By.CSS_SELECTOR, ".error").text, "an error for a wrong key")

    step = "sign in"
    driver.find_element(By.ID, "credential").send_keys(args.key)
    driver.find_element(By.CSS_SELECTOR, "form[action='/review/sign-in'] button").click()
    expect(driver.find_elements(By.ID, "quarantine"), "the quarantine table after sign-in")
    expect(args.actor in driver.find_element(By.TAG_NAME, "nav").text, "the reviewer's name in the navigation")

    step = "hostile metadata is shown inert"
    row = driver.find_element(By.CSS_SELECTOR, f"tr[data-id='{args.hostile}']")
    name, owner = [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td.name")][:2]
    expect("onmouseover='alert(1)'" in name and "&amp;" in name, f"the quotes and handler in the filename are shown as text: {name!r}")
    expect("<script>" in owner and "[U+202E]" in owner, f"the owner's script tag and bidi override are shown as text: {owner!r}")
    expect(no_alert(), "no script ran")
    expect(absent("td.name script, td.name svg"), "no element came from the metadata")

    step = "counts per reason and the list screenshot"
    counts = driver.find_element(By.CSS_SELECTOR, "ul.counts").text
    expect("malware" in counts and "type_mismatch" in counts, f"counts per reason: {counts!r}")
    driver.save_screenshot(os.path.join(args.screenshots, "review-list.png"))

    step = "filter by reason"
    Select(driver.find_element(By.ID, "filter-reason")).select_by_value("malware")
    driver.find_element(By.ID, "filter-apply").click()
    WebDriverWait(driver, 10).until(lambda d: "reason=malware" in d.current_url)
    ids = [row.get_attribute("data-id") for row in driver.find_elements(By.CSS_SELECTOR, "#quarantine tbody tr")]
    expect(args.purge in ids, f"the infected upload is listed under malware: {ids}")
    expect(args.release not in ids, f"the mislabeled upload is not listed under malware: {ids}")

    step = "open a detail"
    driver.find_element(By.CSS_SELECTOR, f"tr[data-id='{args.purge}'] a").click()
    fields = driver.find_element(By.ID, "fields").text
    expect(args.purge_sha256 in fields, "the SHA-256 in the detail")
    expect("malware" in fields, "the reason in the detail")
    expect(driver.find_elements(By.ID, "timeline"), "a timeline")
    driver.save_screenshot(os.path.join(args.screenshots, "review-detail.png"))

    step = "a release without confirmation is not sent"
    open_detail(args.release)
    driver.find_element(By.ID, "release-note").send_keys("Checked by hand: a PDF named .txt, harmless")
    driver.find_element(By.ID, "release").click()
    expect(f"/review/items/{args.release}" in driver.current_url and absent(".flash"), "the browser keeps the form until the box is ticked")

    step = "release with a note"
    driver.find_element(By.ID, "release-confirm").click()
    driver.find_element(By.ID, "release").click()
    flash = driver.find_element(By.CSS_SELECTOR, ".flash").text
    expect("Released" in flash, f"the release is confirmed: {flash!r}")
    expect(absent(f"tr[data-id='{args.release}']"), "the released upload left the list")

    step = "purge with block this content"
    open_detail(args.purge)
    driver.find_element(By.ID, "purge-note").send_keys("EICAR test file, block it everywhere")
    driver.find_element(By.ID, "purge-block").click()
    driver.find_element(By.ID, "purge-confirm").click()
    driver.find_element(By.ID, "purge").click()
    expect("Purged" in driver.find_element(By.CSS_SELECTOR, ".flash").text, "the purge is confirmed")

    step = "the audit log"
    driver.get(args.url + "/review/audit")
    rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#audit tbody tr")]
    expect(any("quarantine.release" in r and args.actor in r and args.release in r for r in rows), "the release is audited under the reviewer")
    expect(any("quarantine.purge" in r and args.actor in r and args.purge in r for r in rows), "the purge is audited under the reviewer")
    expect(any("hashlist.deny" in r and args.actor in r for r in rows), "the deny-list entry is audited")

    step = "the deny list"
    driver.get(args.url + "/review/hashlists")
    deny = driver.find_element(By.ID, "deny-list").text
    expect(args.purge_sha256 in deny, "the purged content's SHA-256 is on the deny list")

    step = "sign out"
    driver.find_element(By.CSS_SELECTOR, "form.signout button").click()
    expect(driver.find_elements(By.ID, "credential"), "back at the sign-in page")
    driver.get(f"{args.url}/review/items/{args.hostile}")
    expect(absent("#fields"), "a detail is not shown after sign-out")
    print("review browser test: all steps passed")
except Exception as error:  # noqa: BLE001 - report the step, keep a screenshot
    driver.save_screenshot(os.path.join(args.screenshots, "review-failure.png"))
    print(f"review browser test failed at step '{step}': {error}")
    print(driver.current_url)
    sys.exit(1)
finally:
    driver.quit()
