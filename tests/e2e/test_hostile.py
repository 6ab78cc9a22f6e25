"""Failures a hostile tester found (issue 22), each reproduced: the chooser shows what will train
after a refused dataset; a link whose dataset Python refuses keeps its message; a full or silent
browser storage is said, and the page works on without it."""
import base64
import zlib

from .helpers import SMALL, STATUS, data_of, open_page, send, train, wait_for_state


def packed(data):
    """As the page packs a dataset into a link (links.js): deflate-raw, then base64url."""
    compressor = zlib.compressobj(wbits=-15)
    return base64.urlsafe_b64encode(compressor.compress(data) + compressor.flush()).decode().rstrip("=")


def test_a_refused_built_in_dataset_leaves_the_chooser_on_the_one_that_will_train(tampered_site, page, problems):
    page.goto(tampered_site({"cities.txt": send(404, "text/plain", b"")}))
    wait_for_state(page, "ready")
    page.get_by_test_id("dataset-choice").select_option("cities")
    page.wait_for_function("document.querySelector('[data-testid=message]').textContent.includes('could not be downloaded')")
    wait_for_state(page, "ready")
    assert page.get_by_test_id("dataset-choice").input_value() == "names"
    assert "US first names" in page.get_by_test_id("dataset-report").inner_text()
    problems.clear()  # (the 404 is on purpose)


def test_a_links_dataset_that_python_refuses_is_said_and_the_message_stays(page, site_url):
    binary = packed(b"ann\nbo\0b\n")
    open_page(page, site_url, f"dataset=custom#data={binary}")
    message = page.get_by_test_id("message").inner_text()
    assert "NUL" in message or "binary" in message, message
    assert message.endswith("Using US first names instead.")
    assert page.get_by_test_id("dataset-choice").input_value() == "names"
    assert "built" not in data_of(page, "status")  # a link to another dataset is not the default run


def test_a_bad_empty_default_is_named_none(page, site_url):
    open_page(page, site_url, "prefix=" + "a" * 2000)  # (100 kB, as the tester sent, is more than our test server takes)
    assert "must be at most 32 characters; using none." in page.get_by_test_id("message").inner_text()
    assert page.inner_text(STATUS).startswith("Ready")


def test_a_full_storage_says_why_the_model_is_not_kept(page, site_url):
    page.add_init_script("IDBObjectStore.prototype.put = function () { throw new DOMException('', 'QuotaExceededError'); }")
    open_page(page, site_url, SMALL)
    train(page)
    message = page.get_by_test_id("message").inner_text()
    assert "can't be kept in this browser (the browser's storage for this site is full)" in message
    assert page.get_by_test_id("generate").is_enabled()  # the page works on without it


def test_a_storage_that_never_answers_is_given_up_and_the_page_gets_ready(page, site_url):
    page.add_init_script("indexedDB.open = () => ({})")  # (a request whose events never come)
    open_page(page, site_url)
    assert "the browser's storage did not answer" in page.get_by_test_id("message").inner_text()
    assert data_of(page, "status")["modelStep"] == "500"  # the model trained at build time, all the same


LARGEST = "dataset=cities&n_embd=64&n_head=16&n_layer=4&block_size=32&steps=300&engine=fast"
# When Stop is clicked, and when the page is Ready again (performance.now(), ms).
TIME_THE_STOP = """() => {
    window.stopClickedAt = null;
    document.addEventListener("click", (event) => {
        if (event.target.closest("[data-testid=stop]")) window.stopClickedAt = performance.now();
    }, true);
    new MutationObserver(() => {
        if (window.stopClickedAt && !window.readyAt && document.body.dataset.state === "ready") window.readyAt = performance.now();
    }).observe(document.body, {attributes: true, attributeFilter: ["data-state"]});
}"""


def test_the_largest_model_starts_at_once_and_stops_within_a_second_even_while_starting(page, site_url):
    open_page(page, site_url, LARGEST)  # (the warm-up for this shape starts now, and takes many seconds)
    page.evaluate(TIME_THE_STOP)
    page.get_by_test_id("train").click()  # Train does not wait for the warm-up …
    wait_for_state(page, "training")
    assert page.get_by_test_id("speed").inner_text() == "starting…"
    page.get_by_test_id("stop").click()  # … and a Stop while the run starts is heard
    wait_for_state(page, "ready")
    assert page.evaluate("window.readyAt - window.stopClickedAt") < 1000
    assert "stopped before the run began; the model you had is kept" in page.inner_text(STATUS)
    # Trained, its speed counts from the first step (not the start-up).
    page.get_by_test_id("train").click()
    page.wait_for_function("Number(document.querySelector('[data-testid=progress]').dataset.step) >= 4", timeout=120_000)
    rate = float(page.get_by_test_id("speed").get_attribute("data-rate"))
    page.get_by_test_id("stop").click()
    wait_for_state(page, "ready")
    assert rate > 0.5  # (0.7 steps/s, 15 h to go, when the start-up was averaged in)


def test_two_tabs_each_keep_their_model_and_hear_of_the_other(page, site_url):
    open_page(page, site_url, SMALL + "&seed=1")
    train(page)
    other = page.context.new_page()
    open_page(other, site_url, SMALL + "&seed=2")
    train(other)
    page.wait_for_function("document.querySelector('[data-testid=message]').textContent.includes('Another tab saved')")
    for tab, seed in ((page, "1"), (other, "2")):  # a reload brings back each tab's own model
        tab.reload()
        wait_for_state(tab, "ready")
        assert data_of(tab, "status")["restored"] == "true" and tab.get_by_test_id("seed").input_value() == seed
    bare = page.context.new_page()  # a bare address: the newest model, and the address says which
    open_page(bare, site_url)
    assert data_of(bare, "status")["restored"] == "true" and "seed=2" in bare.url
