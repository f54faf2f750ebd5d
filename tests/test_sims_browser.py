"""The lab widgets in a real browser: htmx redraws the result without a page load."""

from __future__ import annotations

import re

import pytest

from tests.factory import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_in(live_server, page):
    make_user("browser")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "browser")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page


def test_changing_the_window_size_redraws_the_svg_in_place(live_server, logged_in):
    page = logged_in
    page.goto(f"{live_server.url}/labs/tumbling/")
    title = page.locator(".sim-timeline > title")
    assert "windows of 1m" in title.text_content()
    before = page.locator(".sim-timeline").inner_html()
    page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded

    size = page.locator("#id_size")
    size.fill("")
    size.press_sequentially("10s")  # keyup: redraw after a short delay
    page.wait_for_function(
        "document.querySelector('.sim-timeline > title').textContent.includes('windows of 10s')"
    )
    assert page.locator(".sim-timeline").inner_html() != before
    assert page.evaluate("window.__marker") == 1
    assert "size=10s" in page.url  # hx-push-url: the URL is shareable


def test_step_control_walks_through_events(live_server, logged_in):
    page = logged_in
    page.goto(f"{live_server.url}/labs/stagger/")
    page.evaluate("window.__marker = 1")
    page.get_by_text("Step through time, event by event").click()
    page.wait_for_selector("output[for=id_upto]")
    assert page.locator("output[for=id_upto]").text_content() == "1"
    page.get_by_text("Next event ▶").click()
    page.wait_for_function("document.querySelector('output[for=id_upto]').textContent === '2'")
    assert page.locator(".sim-timeline .event.future").count() == 10
    # Let htmx finish processing the swapped-in links before a shortcut clicks one.
    page.wait_for_function(
        "!document.querySelector('.htmx-settling, .htmx-swapping, .htmx-request') && "
        "document.querySelector('[data-shortcut=ArrowRight]')['htmx-internal-data']"
    )
    page.keyboard.press("ArrowRight")  # keys.js: the data-shortcut on "Next event"
    page.wait_for_function("document.querySelector('output[for=id_upto]').textContent === '3'")
    assert page.evaluate("window.__marker") == 1
    assert "upto=3" in page.url


def _bars(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(
        selector,
        """els => els.map(el => {
            const r = el.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, height: r.height, left: r.left, right: r.right,
                    cls: el.getAttribute('class'), title: el.textContent};
        })""",
    )


def test_kpl_shard_second_chart_draws_columns_rising_from_the_axis(live_server, logged_in):
    """Each column stands on the axis, inside the plot, its height in proportion to its share
    of the shard limit; the limit line sits where a share of 1 would reach."""
    page = logged_in
    # 3,000 small unaggregated records at once into one shard: over the 1,000 records/s limit.
    page.goto(
        f"{live_server.url}/labs/kpl/?records=3000&record_size=100&shards=1&per_second=0"
        "&AggregationEnabled=no"
    )
    chart = page.locator("svg.sim-shards")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    axis = _bars(page, "svg.sim-shards line.axis")[0]
    limit = _bars(page, "svg.sim-shards line.limit")[0]
    bars = _bars(page, "svg.sim-shards rect.bar")
    assert bars, "the chart has columns"
    shares = []
    for bar in bars:
        assert abs(bar["bottom"] - axis["top"]) < 1.5, bar  # stands on the axis
        assert bar["top"] >= box["y"] - 0.5 and bar["right"] <= box["x"] + box["width"] + 0.5
        records, nbytes = re.search(r": ([\d,]+) records, ([\d,]+) bytes", bar["title"]).groups()
        value = (
            int(records.replace(",", ""))
            if "records" in bar["cls"]
            else int(nbytes.replace(",", ""))
        )
        share = value / (1000 if "records" in bar["cls"] else 1024 * 1024)
        shares.append((share, bar["height"]))
    # Heights proportional to the shares: one pixels-per-share for every column.
    unit = (axis["top"] - limit["top"]) / 1.0
    for share, height in shares:
        assert abs(height - max(share * unit, 1.0)) < 1.5, (share, height, unit)
    # Something went over: a column rises past the limit line, and it is marked throttled.
    over = [bar for bar in bars if bar["top"] < limit["top"] - 1]
    assert over and all("throttled" in bar["cls"] for bar in over)


def test_choosing_pasted_csv_asks_for_events_and_drops_the_presets_rowtime_bound(
    live_server, logged_in
):
    page = logged_in
    page.goto(f"{live_server.url}/labs/tumbling/")
    until = page.locator("#id_until")
    assert until.input_value()  # the preset's bound
    page.select_option("#id_preset", "csv")
    waiting = page.locator(".lab-waiting")
    waiting.wait_for()
    assert "Paste your events" in waiting.text_content()
    assert page.locator(".lab-errors, [role=alert]").count() == 0  # nothing is wrong yet
    page.wait_for_function("document.querySelector('#id_until').value === ''")
    page.fill(
        "#id_csv",
        "rowtime,event_time,ticker\n2024-01-01T10:00:01,2024-01-01T10:00:00,AMZN\n"
        "2024-01-01T10:00:30,2024-01-01T10:00:29,AMZN\n2024-01-01T10:01:05,2024-01-01T10:01:04,AMZN",
    )
    page.locator("#id_csv").dispatch_event("change")
    page.locator(".lab-summary").wait_for()
    assert "3</b> events" in page.locator(".lab-summary").inner_html()
    # The last event's window stays open: no bound from the preset closed it.
    summary = page.locator(".lab-summary").inner_text().replace("\n", " ")
    assert "1 window still open" in summary and "1 row emitted" in summary  # plurals agree
    # A bad line is named once, without the field's name doubled.
    page.fill("#id_csv", "rowtime,ticker\nyesterday,AMZN")
    page.locator("#id_csv").dispatch_event("change")
    page.locator(".lab-errors").wait_for()
    text = page.locator(".lab-errors").inner_text()
    assert "csv: csv" not in text and "line 2" in text
