"""The reports' pure parts: the charts drawn as SVG text (cabas.reports.charts) and the months of a period, a
guarantee spread over them, a waiting list counted at each month's end (cabas.reports.months)."""

from __future__ import annotations

import datetime
import re
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal

from cabas.reports import months
from cabas.reports.charts import Chart, Series, svg

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"


def chart(**kwargs) -> Chart:
    values = dict(labels=["janv. 2026", "févr. 2026", "mars 2026"],
                  bars=[Series("Lait", [D("12.50"), D("3"), None]), Series("Pain", [D("1"), D("2"), D("3.25")])],
                  lines=[Series("Garantie", [D("10"), D("10"), D("10")])], y_label="€")
    values.update(kwargs)
    return Chart(**values)


def test_the_svg_is_an_accessible_image_that_scales():
    text = svg(chart(), chart_id="chart-chains", title="Valeur par filière", description="Ce que les cycles ont vendu")
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-chains-title"
    assert root.get("aria-describedby") == "chart-chains-desc"
    assert root.get("width") is None and root.get("height") is None and root.get("viewBox")
    first, second = list(root)[:2]
    assert (first.tag, first.get("id"), first.text) == (f"{SVG}title", "chart-chains-title", "Valeur par filière")
    assert (second.tag, second.text) == (f"{SVG}desc", "Ce que les cycles ont vendu")
    assert not text.startswith("<?xml") and "<metadata" not in text


def test_text_stays_text_and_the_file_stays_light():
    text = svg(chart(), chart_id="c", title="t")
    labels = {"".join(t.itertext()) for t in ET.fromstring(text).iter(f"{SVG}text")}
    assert {"janv. 2026", "févr. 2026", "mars 2026", "Lait", "Pain", "Garantie", "€"} <= labels
    assert "<path id=\"c-DejaVuSans" not in text  # no glyphs drawn as paths
    assert len(text) < 40_000


def test_every_id_is_prefixed_so_that_charts_share_a_page():
    one, two = svg(chart(), chart_id="one", title="a"), svg(chart(), chart_id="two", title="b")
    ids_one, ids_two = set(re.findall(r'id="([^"]+)"', one)), set(re.findall(r'id="([^"]+)"', two))
    assert ids_one and all(i.startswith("one") for i in ids_one) and all(i.startswith("two") for i in ids_two)
    assert not ids_one & ids_two
    for reference in re.findall(r"url\(#([^)]+)\)", one):
        assert reference in ids_one


def test_names_are_escaped():
    text = svg(chart(bars=[Series("<script>alert(1)</script> & Cie", [D(1), D(2), D(3)])]), chart_id="x",
               title="Titre <b> & co")
    assert "<script>" not in text and "<b>" not in text
    root = ET.fromstring(text)
    assert root.find(f"{SVG}title").text == "Titre <b> & co"


def test_an_empty_chart_says_so():
    text = svg(Chart(labels=["janv. 2026"], bars=[Series("Lait", [D(0)])], empty_text="Aucune donnée."), chart_id="e",
               title="Vide")
    assert "Aucune donnée." in text


def test_side_by_side_bars_and_lines_alone_draw():
    text = svg(chart(stacked=False, dashed_lines=True), chart_id="s", title="t")
    assert ET.fromstring(text) is not None
    text = svg(Chart(labels=["a", "b"], lines=[Series("Attente", [2, 3])]), chart_id="l", title="t")
    assert "Attente" in text


def test_drawing_in_threads_at_once_gives_the_same_svg():
    expected = svg(chart(), chart_id="t", title="t")
    results, errors = [], []

    def draw():
        try:
            results.append(svg(chart(), chart_id="t", title="t"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results == [expected] * 4


# --- months -------------------------------------------------------------------------------------------------------


def test_the_months_of_a_period():
    assert months.months(datetime.date(2025, 11, 15), datetime.date(2026, 2, 3)) == [
        datetime.date(2025, 11, 1), datetime.date(2025, 12, 1), datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)]
    assert months.months_back(datetime.date(2026, 3, 31), 11) == datetime.date(2025, 4, 1)
    assert months.months_back(datetime.date(2026, 1, 5), 0) == datetime.date(2026, 1, 1)


def test_a_yearly_guarantee_is_spread_by_days_and_cut_to_the_period():
    spread = months.spread([(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1), D("3650"))],
                           datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert spread == {datetime.date(2026, 1, 1): D("310.00"), datetime.date(2026, 2, 1): D("280.00"),
                      datetime.date(2026, 3, 1): D("310.00")}


def test_weekly_guarantees_add_up_in_their_months():
    weeks = [(datetime.date(2026, 1, 26) + datetime.timedelta(weeks=i), datetime.date(2026, 2, 2) + datetime.timedelta(weeks=i),
              D("70")) for i in range(2)]  # 26/01–01/02 and 02/02–08/02
    assert months.spread(weeks, datetime.date(2026, 1, 1), datetime.date(2026, 2, 28)) == {
        datetime.date(2026, 1, 1): D("60.00"), datetime.date(2026, 2, 1): D("80.00")}


def test_the_waiting_list_at_each_month_end():
    applications = [(datetime.date(2026, 1, 10), None), (datetime.date(2026, 1, 20), datetime.date(2026, 2, 5)),
                    (datetime.date(2026, 2, 28), datetime.date(2026, 2, 28))]
    counts = months.waiting_at_month_ends(applications, datetime.date(2026, 1, 1), datetime.date(2026, 3, 31),
                                          today=datetime.date(2026, 3, 10))
    assert counts == {datetime.date(2026, 1, 1): 2, datetime.date(2026, 2, 1): 1, datetime.date(2026, 3, 1): 1}
