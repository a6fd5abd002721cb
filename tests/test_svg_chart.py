"""The service review's compliance chart, drawn without a database."""

import importlib.util
import re
from pathlib import Path
from xml.etree import ElementTree

_PATH = Path(__file__).resolve().parents[1] / "sla_contract" / "engine" / "svg_chart.py"
_SPEC = importlib.util.spec_from_file_location("svg_chart_under_test", _PATH)
chart = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(chart)

SVG = "{http://www.w3.org/2000/svg}"


def bars(svg):
    return ElementTree.fromstring(svg).findall(f"{SVG}rect")


def test_one_bar_per_period_with_tickets_coloured_against_the_target():
    svg = chart.compliance_chart(
        [("Jan", 100.0), ("Feb", None), ("Mar", 90.0)], 95, "target 95%"
    )
    rects = bars(svg)
    assert len(rects) == 2
    assert [r.get("fill") for r in rects] == [chart.GREEN, chart.RED]
    assert "Feb" in svg and ">-<" in svg


def test_bar_height_is_proportional_to_compliance():
    full, half = bars(
        chart.compliance_chart([("a", 100.0), ("b", 50.0)], 95, "target 95%")
    )
    assert float(full.get("height")) == 2 * float(half.get("height"))


def test_target_line_sits_at_its_percentage():
    svg = chart.compliance_chart([("a", 100.0)], 95, "target 95%")
    [line] = [
        el
        for el in ElementTree.fromstring(svg).findall(f"{SVG}line")
        if el.get("class") == "target"
    ]
    assert float(line.get("y1")) == round(chart._y(95), 1)
    assert "target 95%" in svg


def test_labels_are_escaped():
    svg = chart.compliance_chart([("Q1 <2026>", 99.0)], 95, "< 95 & more")
    ElementTree.fromstring(svg)  # still well-formed
    assert re.search(r"Q1 &lt;2026&gt;", svg)
    assert "&lt; 95 &amp; more" in svg


def test_every_word_comes_from_the_caller():
    """The chart names its target line with the caller's words, translated
    there: it holds no English text of its own."""
    points = [("janv. 26", 90.0), ("févr. 26", None)]
    svg = chart.compliance_chart(points, 95, "objectif 95 %")
    texts = [el.text for el in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert "objectif 95 %" in texts
    words = {word for text in texts for word in text.split() if word.isalpha()}
    assert words <= {"janv", "févr", "objectif"}, words


def test_bar_labels_are_percentages_cut_never_rounded_up_to_the_target():
    svg = chart.compliance_chart(
        [("a", 94.6), ("b", 100.0), ("c", 94.99999999999)], 95, "target 95%"
    )
    labels = [
        el.text
        for el in ElementTree.fromstring(svg).findall(f"{SVG}text")
        if el.text and el.text.endswith("%") and not el.text.startswith("target")
    ]
    # the axis (0%, 50%, 100%), then one label per bar
    assert labels[3:] == ["94%", "100%", "95%"]
