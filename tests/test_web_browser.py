"""``meetcast web`` in a real browser: Debian's chromium, headless, at a phone's viewport
(360 px), driven by Selenium with Debian's chromium-driver, against the lab's real OBS.

The page's buttons reach OBS; the page turns red and says so when OBS stops, and says it has
lost the laptop when the laptop goes quiet, and comes back by itself; a wrong token gets 403
and no state; names from OBS are shown as text, never run as HTML.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from meetcast.lab import Lab
from meetcast.lab.browser import PHONE, WebProcess, phone_browser, wait_for
from meetcast_core.names import MIC_SOURCE, SOURCE_LOWER_THIRD

pytestmark = pytest.mark.obs

RED = "rgb(198, 40, 40)"  # --off in static/style.css: what OFFLINE looks like


@pytest.fixture
def web(lab: Lab) -> Iterator[WebProcess]:
    with WebProcess(lab.env(), "--port", "0") as proc:
        yield proc


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = phone_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def _put_obs_back(lab: Lab) -> Iterator[None]:
    yield
    if not lab.obs or not lab.obs.alive():
        lab.start_obs()
    with lab.link() as link:
        if link.call("GetStreamStatus")["outputActive"]:
            link.call("StopStream")
        link.call("SetCurrentProgramScene", {"sceneName": "Scene"})
        link.call("SetInputMute", {"inputName": MIC_SOURCE, "inputMuted": False})


def view(d: Any) -> dict | None:
    return d.execute_script("return window.meetcast && window.meetcast.state "
                            "&& window.meetcast.state.view")


def open_page(d: Any, url: str) -> dict:
    d.get(url)
    return wait_for("the page's first state", lambda: view(d))


def header(d: Any) -> tuple[str, str, str]:
    """(class, big text, background colour) of the health header."""
    return d.execute_script(
        "const h = document.getElementById('health');"
        "return [h.className, document.getElementById('state').textContent,"
        "        getComputedStyle(h).backgroundColor];")


def button_names(d: Any) -> list[str]:
    """The scene buttons' texts, read in one go (the list is rebuilt when OBS's changes)."""
    return d.execute_script("return Array.from(document.querySelectorAll('#scenes button'),"
                            " b => b.textContent)")


def scene_button(d: Any, name: str) -> Any:
    button = d.execute_script("return Array.from(document.querySelectorAll('#scenes button'))"
                              ".find(b => b.dataset.scene === arguments[0]) || null", name)
    assert button is not None, f"no button for scene {name!r}"
    return button


def program(lab: Lab) -> str:
    with lab.link() as link:
        return link.call("GetCurrentProgramScene")["currentProgramSceneName"]


def test_page_fits_a_phone_and_a_scene_button_switches_obs(lab: Lab, web: WebProcess,
                                                            browser: Any) -> None:
    v = open_page(browser, web.url)
    assert browser.execute_script("return innerWidth") == PHONE["width"]
    # readable at 360 px: nothing wider than the screen, no sideways scrolling
    assert browser.execute_script("return document.documentElement.scrollWidth") \
        <= PHONE["width"]
    with lab.link() as link:
        names = [s["sceneName"] for s in link.call("GetSceneList")["scenes"]]
    shown = button_names(browser)
    assert sorted(shown) == sorted(names) and v["scene"] == program(lab)
    target = next(n for n in shown if n != v["scene"])
    scene_button(browser, target).click()
    wait_for(f"OBS on {target}", lambda: program(lab) == target)
    wait_for("the page showing it on air", lambda: scene_button(
        browser, target).get_attribute("aria-pressed") == "true")
    assert len(browser.execute_script("return window.meetcast.switchMs")) == 1
    # a switch made in OBS itself shows on the page too
    with lab.link() as link:
        link.call("SetCurrentProgramScene", {"sceneName": "Scene"})
    wait_for("the page following OBS", lambda: (view(browser) or {}).get("scene") == "Scene")


def test_page_turns_red_when_obs_stops_and_recovers_by_itself(lab: Lab, web: WebProcess,
                                                              browser: Any) -> None:
    with lab.link() as link:
        link.call("StartStream")
    open_page(browser, web.url)
    # the header's colour fades over 0.2 s (style.css), so the text and the colour are
    # waited for together
    wait_for("OK (green) while streaming",
             lambda: (h := header(browser))[1] == "OK" and h[2] != RED, timeout=30)
    lab.stop_obs()
    cls, big, _ = wait_for("red", lambda: (h := header(browser))[2] == RED and h)
    assert cls == "state-OFFLINE" and big == "OFFLINE"
    banner = browser.find_element("id", "banner")
    assert banner.is_displayed() and "lost OBS" in banner.text
    assert "lost OBS" in browser.find_element("id", "why").text
    assert all(not b.is_enabled() for b in browser.find_elements("css selector",
                                                                 "#scenes button"))
    lab.start_obs()
    wait_for("the laptop back on OBS", lambda: (view(browser) or {}).get("connected"),
             timeout=30)
    assert not browser.find_element("id", "banner").is_displayed()


def test_page_says_it_lost_the_laptop_and_reconnects_by_itself(lab: Lab, web: WebProcess,
                                                              browser: Any) -> None:
    open_page(browser, web.url)
    os.kill(web.pid, signal.SIGSTOP)  # the laptop frozen, or its Wi-Fi gone: no close
    try:
        wait_for("the page noticing, in red",
                 lambda: (h := header(browser))[1] == "NO LAPTOP" and h[2] == RED, timeout=15)
        banner = browser.find_element("id", "banner")
        assert "lost the laptop" in banner.text
    finally:
        os.kill(web.pid, signal.SIGCONT)
    before = browser.execute_script("return window.meetcast.messages")
    wait_for("the page back", lambda: browser.execute_script(
        "return window.meetcast.socket") == "open" and header(browser)[1] != "NO LAPTOP",
        timeout=20)
    wait_for("new state", lambda: browser.execute_script(
        "return window.meetcast.messages") > before + 1)


def test_wrong_token_gets_403_and_no_state(web: WebProcess, browser: Any) -> None:
    token = web.url.rstrip("/").rsplit("/", 1)[1]
    wrong = web.url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    for url in (wrong, wrong + "app.js", web.url.replace(token + "/", "")):
        browser.get(url)
        status = browser.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus")
        assert status == 403, url
        assert browser.execute_script("return window.meetcast") is None
        assert browser.find_element("tag name", "body").text.strip() == "forbidden"
    # the socket too: from the real page, a socket with a wrong token gets no message
    open_page(browser, web.url)
    got = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const ws = new WebSocket(arguments[0].replace(/^http/, 'ws') + 'ws');
        let messages = 0;
        ws.onmessage = () => { messages++; };
        ws.onclose = (e) => done({messages, code: e.code, opened: ws.__opened || false});
        ws.onopen = () => { ws.__opened = true; };
    """, wrong)
    assert got["messages"] == 0 and not got["opened"], got


def test_mute_lower_third_and_stream_with_confirmation(lab: Lab, web: WebProcess,
                                                        browser: Any) -> None:
    open_page(browser, web.url)

    def muted() -> bool:
        with lab.link() as link:
            return bool(link.call("GetInputMute", {"inputName": MIC_SOURCE})["inputMuted"])

    browser.find_element("id", "mute").click()
    wait_for("the mic muted", muted)
    wait_for("the page saying so", lambda: "MUTED" in browser.find_element("id", "mute").text)
    browser.find_element("id", "mute").click()
    wait_for("the mic on", lambda: not muted())

    text = "Ada Lovelace — engines"
    box = browser.find_element("id", "say-text")
    box.send_keys(text)
    browser.find_element("id", "say-set").click()
    with lab.link() as link:
        def held() -> str:
            return link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD}
                             )["inputSettings"].get("text", "")
        wait_for("the lower third in OBS", lambda: held() == text)
        browser.find_element("id", "say-clear").click()
        wait_for("the lower third cleared", lambda: held() == "")

        def live() -> bool:
            return bool(link.call("GetStreamStatus")["outputActive"])

        stream = browser.find_element("id", "stream")
        stream.click()  # asks first; Cancel changes nothing
        wait_for("the question", lambda: browser.find_element("id", "confirm").is_displayed())
        browser.find_element("id", "confirm-no").click()
        time.sleep(1.0)
        assert not live()
        stream.click()
        wait_for("the question", lambda: browser.find_element("id", "confirm").is_displayed())
        browser.find_element("id", "confirm-yes").click()
        wait_for("OBS streaming", live, timeout=20)
        wait_for("the page offering to stop", lambda: "Stop" in stream.text, timeout=10)
        stream.click()
        wait_for("the question", lambda: browser.find_element("id", "confirm").is_displayed())
        assert "Everyone watching" in browser.find_element("id", "confirm-text").text
        browser.find_element("id", "confirm-yes").click()
        wait_for("OBS stopped", lambda: not live(), timeout=20)


def test_names_from_obs_are_shown_as_text(lab: Lab, web: WebProcess, browser: Any) -> None:
    name = '<img src=x onerror="window.pwned=1">&amp;'
    with lab.link() as link:
        link.call("CreateScene", {"sceneName": name})
    try:
        open_page(browser, web.url)
        wait_for("the scene's button", lambda: name in button_names(browser))
        assert not browser.find_elements("css selector", "#scenes img")
        assert browser.execute_script("return window.pwned") is None
    finally:
        with lab.link() as link:
            link.call("RemoveScene", {"sceneName": name})


def test_the_page_shows_the_audio_levels_while_on_screen(web: WebProcess, browser: Any) -> None:
    open_page(browser, web.url)
    wait_for("the mic's level", lambda: browser.find_element("id", "db-mic").text.endswith(
        "dB"))
    width = browser.execute_script("return document.getElementById('level-mic').style.width")
    assert width.endswith("%")
