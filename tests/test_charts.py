"""The server-drawn SVG charts: well-formed, labels drawn as text, sizes in proportion, and a
sentence instead of a chart when there is nothing to draw."""

import xml.etree.ElementTree as ET

import pytest

from syncing.charts import NO_DATA, Series, bar_chart, hbar_chart, nice_ceiling, tick_indexes

SVG = "{http://www.w3.org/2000/svg}"
OK, BAD = Series("Requested", "ok"), Series("Failed", "bad")


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg"
    return root


def rects(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect")


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def size(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def test_bar_chart_is_an_accessible_svg_with_axes_and_tick_labels():
    root = parse(bar_chart(["Nov 1", "Nov 2"], [OK], [(3,), (5,)], label="Outcomes per day"))
    assert root.get("class") == "chart"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Outcomes per day"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.find(f"{SVG}title").text == "Outcomes per day"
    assert [line.get("class") for line in root.findall(f"{SVG}line")] == ["axis", "axis"]
    assert {"Nov 1", "Nov 2", "6"} <= set(texts(root))  # 5 rounds up to an axis top of 6


def test_bar_heights_are_in_proportion_and_stacks_add_up():
    root = parse(bar_chart(["a", "b"], [OK, BAD], [(2, 0), (4, 4)], label="x"))
    first, second_ok, second_bad = rects(root)
    assert [r.get("class") for r in rects(root)] == ["series-ok", "series-ok", "series-bad"]
    assert size(second_ok, "height") == pytest.approx(2 * size(first, "height"), abs=0.2)
    assert size(second_bad, "height") == pytest.approx(size(second_ok, "height"), abs=0.2)
    # Stacked: the failed part sits on top of the requested part.
    assert size(second_bad, "y") + size(second_bad, "height") == pytest.approx(
        size(second_ok, "y"), abs=0.2
    )
    assert second_bad.find(f"{SVG}title").text == "b · Failed: 4"


def test_a_single_bar_is_drawn():
    root = parse(bar_chart(["#7"], [OK], [(42,)], label="Durations", fmt=lambda s: f"{s:.0f} s"))
    (bar,) = rects(root)
    assert size(bar, "height") > 0
    assert "#7" in texts(root)
    assert bar.find(f"{SVG}title").text == "#7 · Requested: 42 s"


@pytest.mark.parametrize(
    "labels, values",
    [([], []), (["Nov 1", "Nov 2"], [(0, 0), (0, 0)])],
)
def test_nothing_to_draw_gives_a_sentence_not_an_empty_chart(labels, values):
    for markup in (
        bar_chart(labels, [OK, BAD], values, label="x"),
        hbar_chart(labels, [OK, BAD], values, label="x"),
    ):
        assert "<svg" not in markup
        assert NO_DATA in markup


def test_labels_are_escaped_and_drawn_as_text():
    evil = "<script>alert(1)</script>"
    for markup in (
        bar_chart([evil], [OK], [(1,)], label=evil),
        hbar_chart(["<script>"], [Series(evil, "ok")], [(1,)], label="x"),
    ):
        assert "<script" not in markup
        root = parse(markup)  # still well-formed
        assert any("<script>" in t for t in texts(root) + [root.get("aria-label", "")])


def test_hbar_counts_scale_against_the_largest_row():
    root = parse(hbar_chart(["imdb: graphql", "imdb: browser"], [OK], [(3,), (1,)], label="x"))
    big, small = rects(root)
    assert size(big, "width") == pytest.approx(3 * size(small, "width"), abs=0.2)
    assert texts(root) == ["imdb: graphql", "3", "imdb: browser", "1"]


def test_hbar_shares_fill_each_row_and_end_with_the_first_share():
    root = parse(
        hbar_chart(
            ["Big", "Small", "Idle"], [OK, BAD], [(90, 10), (1, 3), (0, 0)], label="x", shares=True
        )
    )
    big_ok, big_bad, small_ok, small_bad = rects(root)
    row_width = size(big_ok, "width") + size(big_bad, "width")
    assert size(small_ok, "width") + size(small_bad, "width") == pytest.approx(row_width, abs=0.2)
    assert size(small_ok, "width") == pytest.approx(row_width / 4, abs=0.2)
    assert texts(root) == ["Big", "90%", "Small", "25%", "Idle", "—"]


def test_long_labels_are_shortened_on_the_chart_only():
    name = "A very long list name that goes on and on"
    root = parse(hbar_chart([name], [OK], [(1,)], label="x"))
    assert texts(root)[0] == "A very long list name t…"
    assert name in rects(root)[0].find(f"{SVG}title").text


def test_unknown_tone_is_refused():
    with pytest.raises(ValueError):
        Series("x", "purple")


@pytest.mark.parametrize(
    "value, top", [(0, 1), (0.3, 0.4), (1, 1), (3, 4), (5, 6), (75, 80), (999, 1000)]
)
def test_axis_tops_are_round(value, top):
    assert nice_ceiling(value) == pytest.approx(top)


@pytest.mark.parametrize(
    "n, ticks",
    [(0, []), (1, [0]), (7, [0, 1, 2, 3, 4, 5, 6]), (30, [4, 9, 14, 19, 24, 29])],
)
def test_tick_labels_are_spread_and_always_include_the_last(n, ticks):
    assert tick_indexes(n) == ticks
