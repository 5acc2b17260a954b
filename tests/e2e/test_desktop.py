"""Deck Media in a real window (issue 4, "Tests"): import a deck, generate against a local fake
provider, keep working while it runs, close the window and see the batch finish (D-Bus
notification), relaunch and see the state; and resuming a batch cut off by the app's end.

Timing is driven by the fake provider, not by sleeps: its latency makes the batch take
seconds, and `hold` stalls it while the test works in the window, so "while it runs" holds on a
slow machine too."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import xwindow
from conftest import provider_env
from harness import APP, App, app_env, app_pids, tray_menu_labels, wait_until

SPANISH = [
    ("perro", "dog"), ("gato", "cat"), ("casa", "house"), ("agua", "water"), ("libro", "book"),
    ("mesa", "table"), ("sol", "sun"), ("luna", "moon"), ("árbol", "tree"), ("niño", "child"),
    ("manzana", "apple"), ("ciudad", "city"),
]
BADGE = re.compile(r"^Generating (\d+)/(\d+)")


def badge_count(app: App, total: int):
    """The n of a "Generating n/total" badge, or None."""
    mode, text = app.badge()
    m = BADGE.match(text)
    return int(m.group(1)) if mode == "working" and m and int(m.group(2)) == total else None


def create_deck(app: App, name: str, language: str) -> str:
    app.el("#nav-decks").click()
    field = app.el("#new-deck-name")
    field.clear()
    field.send_keys(name)
    lang = app.el("#new-deck-language")
    lang.clear()
    lang.send_keys(language)
    app.el("#create-deck").click()

    def row(d):
        for r in d.find_elements(By.CSS_SELECTOR, "[data-testid=deck-row]"):
            if r.find_element(By.CSS_SELECTOR, "[data-testid=deck-open]").text == name:
                return r
        return False

    return app.wait(f"the deck row {name!r}", row).get_attribute("data-deck-id")


def deck_row(app: App, deck_id: str):
    return app.el(f"[data-testid=deck-row][data-deck-id='{deck_id}']")


def open_deck(app: App, deck_id: str):
    app.el("#nav-decks").click()
    deck_row(app, deck_id).find_element(By.CSS_SELECTOR, "[data-testid=deck-open]").click()
    app.el(f"#deck-view[data-deck-id='{deck_id}']")


def word_rows(app: App):
    return app.all("#word-list [data-testid=word-row]")


def row_of(app: App, text: str):
    def find(d):
        for r in d.find_elements(By.CSS_SELECTOR, "#word-list [data-testid=word-row]"):
            if r.find_element(By.CSS_SELECTOR, "[data-testid=word-text]").text == text:
                return r
        return False

    return app.wait(f"the word row {text!r}", find)


def edit_inline(app: App, text: str, field: str, value: str) -> None:
    """Clicks the word's text or translation, types `value` in place, Enter."""
    row = row_of(app, text)
    word_id = row.get_attribute("data-word-id")
    shown = f"[data-testid=word-row][data-word-id='{word_id}'] [data-testid=word-{field}]"
    editor = f"[data-testid=word-row][data-word-id='{word_id}'] [data-testid=edit-{field}]"

    def open_editor(d):
        # While a batch runs, a page reload may redraw the row between finding the field and
        # clicking it (the click then lands on the replaced node): click again until it opens.
        boxes = d.find_elements(By.CSS_SELECTOR, editor)
        if boxes and boxes[0].is_displayed():
            return boxes[0]
        try:
            d.find_element(By.CSS_SELECTOR, shown).click()
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        return False

    box = app.wait(f"the editor of {text!r}", open_editor)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(value, Keys.ENTER)
    # Saved: the editor is gone and the row shows the new value.
    app.wait(
        f"the edit of {text!r} to be saved",
        lambda d: not d.find_elements(By.CSS_SELECTOR, f"[data-testid=word-row][data-word-id='{word_id}'] [data-testid=edit-{field}]")
        and d.find_element(By.CSS_SELECTOR, f"[data-testid=word-row][data-word-id='{word_id}'] [data-testid=word-{field}]").text == value,
    )


def page_paths(app: App, deck_id: str) -> list[str]:
    """The picture paths of the deck's first page, from the core."""
    page = app.invoke("deck_media", {"deckId": int(deck_id), "offset": 0, "limit": 100})
    return [w["image"]["path"] for w in page["items"] if w["image"]["path"]]


def load_image(app: App, path: str) -> int:
    """Loads `path` through the asset protocol in a new <img>: its naturalWidth (0 = refused)."""
    return app.driver.execute_async_script(
        "const [path, done] = arguments;"
        "const img = new Image();"
        "img.onload = () => done(img.naturalWidth); img.onerror = () => done(0);"
        "img.src = window.__TAURI_INTERNALS__.convertFileSrc(path, 'asset');",
        path,
    )


def decode_thumbs(app: App) -> None:
    """Waits until every thumbnail is decoded and two frames have passed: WebKit's WebDriver
    screenshot can otherwise show loaded pictures as blank (the real screen, taken with
    `import`, shows them)."""
    results = app.driver.execute_async_script(
        "const done = arguments[0];"
        "Promise.all([...document.querySelectorAll('#word-list [data-testid=word-thumb]')]"
        "  .map(i => i.decode().then(() => 'ok', e => String(e))))"
        "  .then(r => requestAnimationFrame(() => requestAnimationFrame(() => done(r))));"
    )
    assert all(r == "ok" for r in results), results


def statuses(app: App) -> list[tuple[str, str, str]]:
    return [
        (
            r.find_element(By.CSS_SELECTOR, "[data-testid=word-text]").text,
            r.find_element(By.CSS_SELECTOR, "[data-testid=status-image]").get_attribute("data-status"),
            r.find_element(By.CSS_SELECTOR, "[data-testid=status-audio]").get_attribute("data-status"),
        )
        for r in word_rows(app)
    ]


def test_batch_runs_while_working_finishes_hidden_and_shows_after_relaunch(workdir, notifications, fake_provider, launch):
    fake = fake_provider(latency_ms=1000)
    env = provider_env(fake, concurrency=1)
    data = workdir / "data"
    app = launch(data, env)

    # 1. An empty data dir: the decks page says there are none.
    app.el("#decks-empty")
    assert app.badge() == ("idle", "Idle")
    app.shot("01-empty")

    # 2. A deck, and 12 words pasted into the import page (preview, then import).
    deck_name = "Spanish E2E"
    deck_id = create_deck(app, deck_name, "es")
    deck_row(app, deck_id).find_element(By.CSS_SELECTOR, "[data-testid=deck-import]").click()
    app.el(f"#import-page[data-deck-id='{deck_id}']")
    # Typed line by line (WebKitWebDriver types "\n" as no newline; Enter makes one). With a
    # header: headerless comma rows are read as a plain list of words ("perro,dog" one word).
    box = app.el("#import-text")
    for line in ["word,translation"] + [f"{w},{t}" for w, t in SPANISH]:
        box.send_keys(line, Keys.ENTER)
    app.el("#import-preview-button").click()
    app.wait("the import preview", lambda d: d.find_element(By.ID, "import-summary").text.strip() != "")
    rows = app.all("#import-rows [data-testid=import-row]")
    summary = app.el("#import-summary").text
    assert len(rows) == 12 and "12 words" in summary and "translation" in summary, summary
    assert [c.text for c in rows[0].find_elements(By.TAG_NAME, "td")][:2] == ["perro", "dog"], rows[0].text
    assert not app.all("#import-errors [data-testid=import-error]")
    app.shot("02-import-preview")
    app.el("#import-confirm").click()
    result = app.el("#import-result")
    app.wait("the import result", lambda d: "12 new" in result.text)
    app.el("#import-open-deck").click()
    app.el(f"#deck-view[data-deck-id='{deck_id}']")
    app.wait("12 word rows", lambda d: len(word_rows(app)) == 12)
    assert app.el("#deck-title").text == deck_name
    assert all(img == "none" and audio == "none" for _, img, audio in statuses(app)), statuses(app)

    # 3. Generate missing: the header badge counts up.
    app.el("#generate-missing").click()
    first = app.wait("the badge to say Generating n/12", lambda d: (n := badge_count(app, 12)) is not None and n < 12 and (n,))[0]
    app.shot("03-generating")
    later = app.wait(
        "the badge to count up",
        lambda d: (n := badge_count(app, 12)) is not None and n > first and n >= 2 and (n,),
        timeout=60,
    )[0]
    # Stall the provider (requests wait inside the fake) so the batch is surely still running
    # while the test works in the window.
    fake.command("hold")
    held_at = wait_until("the app to send a held request", lambda: fake.stats()["in_flight"] >= 1, timeout=30)
    assert held_at
    running = badge_count(app, 12)
    assert running is not None and later <= running < 12, app.badge()
    app.wait("a word to show done", lambda d: any(i == "done" and a == "done" for _, i, a in statuses(app)))
    app.shot("04-deck-while-generating")
    # The tray menu's first line counts too (Linux trays show no tooltip; read over D-Bus).
    tray = wait_until("the tray menu to say Generating n/12", lambda: (m := tray_menu_labels(app.pid)) and BADGE.match(m[0]) and m, timeout=15)
    assert int(BADGE.match(tray[0]).group(1)) >= later and {"Pause all", "Open Deck Media", "Quit"} <= set(tray), tray
    app.screen("04-screen-window")

    # 4. While it runs: a second deck, a word added and edited inline; the badge stays.
    other_id = create_deck(app, "French E2E", "fr")
    open_deck(app, other_id)
    app.el("#words-empty")
    app.el("#add-word-text").send_keys("chat")
    app.el("#add-word-translation").send_keys("cat")
    app.el("#add-word").click()
    row_of(app, "chat")
    edit_inline(app, "chat", "text", "chat noir")
    edit_inline(app, "chat noir", "translation", "black cat")
    mode, text = app.badge()
    assert mode == "working" and BADGE.match(text), (mode, text)
    app.shot("05-second-deck-edited")
    # Persisted: the core returns the edited word (read back over IPC, not from the page).
    page = app.invoke("deck_media", {"deckId": int(other_id), "offset": 0, "limit": 10})
    assert [(w["text"], w["translation"]) for w in page["items"]] == [("chat noir", "black cat")]
    # And an inline edit in the deck being generated.
    open_deck(app, deck_id)
    edit_inline(app, "gato", "translation", "cat (pet)")
    page = app.invoke("deck_media", {"deckId": int(deck_id), "offset": 0, "limit": 100})
    assert ("gato", "cat (pet)") in [(w["text"], w["translation"]) for w in page["items"]]
    assert badge_count(app, 12) is not None, app.badge()

    # 5. Close the window as a window manager would (WM_DELETE_WINDOW): it hides, the app stays.
    with xwindow.Display() as x:
        shown = [w for w in x.toplevels_of(app.pid) if x.map_state(w) == xwindow.IS_VIEWABLE]
        assert len(shown) == 1, f"expected one visible window of the app, found {shown}"
        window = shown[0]
        x.request_close(window)
        wait_until("the window to be hidden", lambda: x.map_state(window) == xwindow.IS_UNMAPPED, timeout=10)
    assert app_pids(data) == [app.pid], "closing the window must not quit the app"
    notifications.wait_for("'still running' on first close", lambda n: "Deck Media is still running" in n, timeout=15)
    app.screen("06-screen-after-close")

    # 6. The batch finishes in the background: let the provider answer quickly now.
    fake.command("latency 50")
    fake.command("unhold")
    fake.command("release")
    done = notifications.wait_for(
        f"batch finished for {deck_name!r}",
        lambda n: any("batch finished" in s for s in n) and any(s.startswith(f"{deck_name}:") for s in n),
        timeout=90,
    )
    body = next(s for s in done if s.startswith(f"{deck_name}:"))
    assert body == f"{deck_name}: 12 images and audio done", body
    assert app_pids(data) == [app.pid]
    snap = app.invoke("snapshot")
    batch = next(b for b in snap["batches"] if b["deck_id"] == int(deck_id))
    assert batch["status"] == "completed" and batch["completed_words"] == 12, batch
    app.screen("07-screen-batch-finished")
    assert tray_menu_labels(app.pid)[0] == "Deck Media — nothing to generate"

    # Launching the app again shows the hidden window of the running one and exits.
    second = subprocess.run([str(APP)], env=app_env(data, env), capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr[-2000:]
    assert app_pids(data) == [app.pid]
    with xwindow.Display() as x:
        wait_until("the window to be shown again", lambda: x.map_state(window) == xwindow.IS_VIEWABLE, timeout=15)
    app.wait("the badge to be idle", lambda d: app.badge() == ("idle", "Idle"))
    # The pictures made while the window was hidden show up in it, without scrolling.
    visible_thumbs = (
        "return [...document.querySelectorAll('#word-list [data-testid=word-thumb]')]"
        ".filter(i => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; })"
        ".map(i => [i.alt, i.complete, i.naturalWidth]);"
    )
    app.wait("the visible thumbnails to load", lambda d: (t := app.js(visible_thumbs)) and all(w > 0 for _, _, w in t), timeout=15)
    decode_thumbs(app)
    app.shot("07b-shown-again")
    stats = fake.stats()
    assert stats["images"] >= 12 and stats["audio"] >= 12, stats

    # 7. End the session (the app ends), relaunch on the same data dir.
    app.close()
    assert not app_pids(data)
    app = launch(data, env)
    assert app.badge()[0] in ("idle", "working")
    app.wait("the badge to be idle", lambda d: app.badge() == ("idle", "Idle"))
    counts = deck_row(app, deck_id).find_element(By.CSS_SELECTOR, "[data-testid=deck-counts]")
    app.wait("the deck's coverage", lambda d: "12/12 pictures" in counts.text and "12/12 audio" in counts.text)
    app.shot("08-relaunch-decks")
    open_deck(app, deck_id)
    app.wait("12 word rows", lambda d: len(word_rows(app)) == 12)
    app.wait("every word done", lambda d: all(i == "done" and a == "done" for _, i, a in statuses(app)))
    assert sorted(t for t, _, _ in statuses(app)) == sorted(w for w, _ in SPANISH)
    assert row_of(app, "gato").find_element(By.CSS_SELECTOR, "[data-testid=word-translation]").text == "cat (pet)"

    # Every thumbnail loads through the asset protocol (scroll each in: they load lazily).
    thumbs = app.all("#word-list [data-testid=word-thumb]")
    assert len(thumbs) == 12
    for img in thumbs:
        app.js("arguments[0].scrollIntoView({block: 'center'})", img)
        app.wait(
            f"the picture {img.get_attribute('alt')!r} to load",
            lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img),
        )
    assert all(img.get_attribute("src").startswith(("asset:", "http://asset.localhost/")) for img in thumbs)
    app.js("window.scrollTo(0, 0)")
    decode_thumbs(app)
    app.shot("09-relaunch-deck-done")

    # Every recording: its play button is enabled and puts the file into the one audio player.
    player_srcs = set()
    for row in word_rows(app):
        play = row.find_element(By.CSS_SELECTOR, "[data-testid=word-play]")
        assert play.is_enabled(), row.text
        app.js("arguments[0].scrollIntoView({block: 'center'})", play)
        play.click()
        src = app.wait("the player to take the recording", lambda d: (s := d.find_element(By.ID, "audio-player").get_attribute("src")) and s not in player_srcs and s)
        player_srcs.add(src)
    assert len(player_srcs) == 12
    # Recordings play from blob: URLs of their bytes (WebKitGTK's player refuses asset: URLs).
    assert all(s.startswith("blob:") for s in player_srcs), player_srcs
    # The asset protocol serves the media folder only: the same picture copied next to the data
    # dir does not load.
    inside = page_paths(app, deck_id)[0]
    outside = workdir / "outside.png"
    outside.write_bytes(Path(inside).read_bytes())
    assert load_image(app, inside) > 0
    assert load_image(app, str(outside)) == 0

    # The second deck and its edit survived the relaunch.
    open_deck(app, other_id)
    row = row_of(app, "chat noir")
    assert row.find_element(By.CSS_SELECTOR, "[data-testid=word-translation]").text == "black cat"


def test_relaunch_resumes_a_batch_cut_off_mid_way(workdir, notifications, fake_provider, launch):
    fake = fake_provider(latency_ms=1500)
    env = provider_env(fake, concurrency=1)
    data = workdir / "data"
    app = launch(data, env)
    app.el("#decks-page")

    # Set up over IPC (the UI path is the other test's): a deck of 12 words and a batch.
    deck = app.invoke("create_deck", {"name": "Resume E2E", "language": "es"})
    added = app.invoke("import_words", {"deckId": deck["id"], "text": "\n".join(w for w, _ in SPANISH)})
    assert added["added"] == 12, added
    batch = app.invoke("generate", {"deckId": deck["id"], "kinds": ["image", "audio"], "force": False, "confirmed": False})
    app.wait("the badge to say Generating n/12", lambda d: badge_count(app, 12) is not None)
    wait_until("the provider to get requests", lambda: fake.stats()["requests"] >= 2, timeout=30)
    app.shot("10-resume-before-end")
    snap = app.invoke("snapshot")
    mid = next(b for b in snap["batches"] if b["id"] == batch["id"])
    assert mid["status"] in ("pending", "processing") and mid["completed_words"] < 12, mid

    # End the session mid-batch: WebKitWebDriver ends the app.
    app.close()
    assert not app_pids(data)
    fake.command("latency 50")

    app = launch(data, env)
    toast = app.wait(
        "the 'Resumed 1 batch' toast",
        lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "#toasts [data-testid=toast]") if "Resumed 1 batch" in t.text), False),
    )
    assert toast.get_attribute("data-kind") == "info"
    app.shot("11-resumed-toast")
    notifications.wait_for(
        "batch finished for 'Resume E2E'",
        lambda n: any("batch finished" in s for s in n) and "Resume E2E: 12 images and audio done" in n,
        timeout=90,
    )
    app.wait("the badge to be idle", lambda d: app.badge() == ("idle", "Idle"), timeout=30)
    snap = app.invoke("snapshot")
    done = next(b for b in snap["batches"] if b["id"] == batch["id"])
    assert done["status"] == "completed" and done["completed_words"] == 12, done
    app.shot("12-resumed-finished")


def test_the_sample_deck_offline_shows_every_picture_and_plays_a_recording(workdir, launch):
    """The README's path on the embedded defaults (offline voice and pictures, no network): the
    sample deck's 20 words get a picture and a recording each; every thumbnail decodes and a
    recording loads in WebKit's audio player."""
    data = workdir / "data"
    # The photo sources on a closed local port: the chooser names them unavailable, no network.
    closed = "http://127.0.0.1:9/w/api.php"
    app = launch(data, {
        "DECKMEDIA_IMAGE_PROVIDER": "offline", "DECKMEDIA_AUDIO_PROVIDER": "offline", "DECKMEDIA_KEYSTORE": "file",
        "DECKMEDIA_WIKIMEDIA_COMMONS_URL": closed, "DECKMEDIA_WIKIMEDIA_WIKIDATA_URL": closed,
        "DECKMEDIA_OPENVERSE_URL": "http://127.0.0.1:9/",
    })
    app.el("#decks-page")
    deck = app.invoke("create_deck", {"name": "Sample: Spanish A1", "language": "es"})
    sample = (Path(__file__).resolve().parents[2] / "docs" / "sample-deck.csv").read_text(encoding="utf-8")
    added = app.invoke("import_words", {"deckId": deck["id"], "text": sample})
    assert added["added"] == 20, added
    batch = app.invoke("generate", {"deckId": deck["id"], "kinds": ["image", "audio"], "force": False, "confirmed": False})
    open_deck(app, str(deck["id"]))
    app.wait("the badge to be idle", lambda d: app.badge() == ("idle", "Idle"), timeout=120)
    snap = app.invoke("snapshot")
    done = next(b for b in snap["batches"] if b["id"] == batch["id"])
    assert done["status"] == "completed" and done["completed_words"] == 20, done
    app.wait("every row to be done", lambda d: len(word_rows(app)) == 20 and all(
        r.find_element(By.CSS_SELECTOR, "[data-testid=status-image]").get_attribute("data-status") == "done"
        and r.find_element(By.CSS_SELECTOR, "[data-testid=status-audio]").get_attribute("data-status") == "done"
        for r in word_rows(app)), timeout=30)
    thumbs = app.all("#word-list [data-testid=word-thumb]")
    assert len(thumbs) == 20
    for img in thumbs:
        app.js("arguments[0].scrollIntoView({block: 'center'})", img)
        app.wait(f"the picture {img.get_attribute('alt')!r} to load",
                 lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img))
    app.js("window.scrollTo(0, 0)")
    decode_thumbs(app)
    app.shot("13-sample-deck-offline")

    row = row_of(app, "perro")
    app.wait("the play button", lambda d: row.find_element(By.CSS_SELECTOR, "[data-testid=word-play]").is_enabled())
    row.find_element(By.CSS_SELECTOR, "[data-testid=word-play]").click()
    state = app.wait(
        "the audio player to load or fail",
        lambda d: d.execute_script(
            "const a = document.getElementById('audio-player');"
            "return a.src && (a.readyState >= 1 || a.error) ? {ready: a.readyState, error: a.error && a.error.code, src: a.src} : null;"
        ),
    )
    assert state["error"] is None and state["ready"] >= 1, f"the recording did not load: {state}"

    choose_a_picture(app, deck["id"], "perro")


def choose_a_picture(app: App, deck_id: int, text: str) -> None:
    """Issue 13.4 in the real window: "Choose picture…" on a word, the candidates appear (the
    photo sources are named unavailable), one click on the word card makes it the word's
    picture — the row's thumbnail changes and the core has it — and the panel stays open."""
    row = row_of(app, text)
    word_id = row.get_attribute("data-word-id")
    before = row.find_element(By.CSS_SELECTOR, "[data-testid=word-thumb]").get_attribute("src")
    row.find_element(By.CSS_SELECTOR, "[data-testid=word-choose-picture]").click()
    app.wait("the chooser's candidates", lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=picture-candidate]")) >= 2)
    assert app.el("#chooser-title").text == f"Pictures for \u201c{text}\u201d"
    current = app.el("[data-testid=picture-candidate][aria-pressed=true]")
    assert current.get_attribute("disabled") is not None, "the current picture is marked and not clickable"
    app.wait("the photo search to end", lambda d: "Looking" not in d.find_element(By.CSS_SELECTOR, "#chooser-status").text, timeout=60)
    unavailable = app.el("#chooser-unavailable").text
    assert "Openverse" in unavailable and "Wikimedia" in unavailable, unavailable
    app.wait("the candidates' pictures to load", lambda d: d.execute_script(
        "return [...document.querySelectorAll('[data-testid=picture-candidate] img')].every(i => i.complete && i.naturalWidth > 0)"))
    app.driver.execute_async_script(
        "const done = arguments[0];"
        "Promise.all([...document.querySelectorAll('[data-testid=picture-candidate] img')].map(i => i.decode()))"
        "  .then(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))));"
    )
    app.shot("14-choose-picture")

    card = app.el("[data-testid=picture-candidate][data-source=word_card]")
    card.click()
    app.wait("the word card to be the current picture", lambda d: d.find_element(
        By.CSS_SELECTOR, "[data-testid=picture-candidate][data-source=word_card]").get_attribute("aria-pressed") == "true")
    after = app.wait("the row's thumbnail to change", lambda d: (
        src := d.find_element(By.CSS_SELECTOR, f"[data-testid=word-row][data-word-id='{word_id}'] [data-testid=word-thumb]").get_attribute("src")
    ) != before and src)
    page = app.invoke("deck_media", {"deckId": deck_id, "offset": 0, "limit": 100})
    chosen = next(w for w in page["items"] if str(w["word_id"]) == word_id)
    assert chosen["image"]["path"].endswith(".png") and chosen["image"]["provider"] == "offline", chosen["image"]
    assert Path(chosen["image"]["path"]).name in after.replace("%2F", "/"), (after, chosen["image"]["path"])
    assert not app.el("#picture-chooser").get_attribute("hidden"), "the panel stays open after a pick"
    app.el("#chooser-close").click()
    app.wait("the chooser to close", lambda d: d.find_element(By.CSS_SELECTOR, "#picture-chooser").get_attribute("hidden") is not None)
