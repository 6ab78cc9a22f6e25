"""Failures a hostile tester found (issue 22), each reproduced: the chooser shows what will train
after a refused dataset; a link whose dataset Python refuses keeps its message; a huge JSON that
is not a model is refused at once."""
import base64
import zlib

from .helpers import STATUS, data_of, open_page, send, wait_for_state


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
