"""One set of formatters for numbers, money, quantities with units, distances, durations and dates, in the
reader's language (cabas.core.formatting, docs/formats.md), and the template filters that wrap them."""

import datetime
from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.utils import translation

from cabas.core import formatting as f

NB = "\u00a0"


@pytest.mark.parametrize("lang, number, money, distance, duration, short, long", [
    ("fr", f"1{NB}633,3", f"1{NB}436,95{NB}€", f"1{NB}633,3{NB}km", f"14{NB}h{NB}37", f"5{NB}déc. 2026", f"5{NB}décembre 2026"),
    ("nl", "1.633,3", f"€{NB}1.436,95", f"1.633,3{NB}km", f"14{NB}u{NB}37", f"5{NB}dec. 2026", f"5{NB}december 2026"),
    ("en", "1,633.3", "€1,436.95", f"1,633.3{NB}km", f"14{NB}h{NB}37{NB}min", f"5{NB}Dec 2026", f"5{NB}December 2026"),
])
def test_each_language_reads_its_own_figures(lang, number, money, distance, duration, short, long):
    assert f.format_number(D("1633.3"), lang) == number
    assert f.format_money(D("1436.95"), lang) == money
    assert f.format_distance(D("1633.26"), lang) == distance
    assert f.format_duration(D("14.61"), lang) == duration  # 14,61 h is 14 h 37 (36,6 minutes rounded)
    assert f.format_date(datetime.date(2026, 12, 5), lang) == short
    assert f.format_date(datetime.date(2026, 12, 5), lang, style="long") == long


def test_the_details_of_each_formatter():
    assert f.format_number(D("2.500"), "fr") == "2,5" and f.format_number(D("3.000"), "fr") == "3"
    assert f.format_number(D("1234567.891"), "fr", places=2) == f"1{NB}234{NB}567,89"
    assert f.format_number(D("-1250.5"), "fr") == f"-1{NB}250,5" and f.format_number(None) == ""
    assert f.format_quantity(D("1250.50"), "fr") == "1250,5"  # put back in a field: never grouped
    assert f.format_money(D("-12.5"), "fr") == f"-12,50{NB}€" and f.format_money(D("0"), "en") == "€0.00"
    assert f.format_money(D("0.005"), "fr") == f"0,01{NB}€"  # half-up, Decimal all the way
    assert f.format_measure(D("10"), "%", "fr") == f"10{NB}%" and f.format_measure(D("12.50"), "kg", "en") == f"12.5{NB}kg"
    assert f.format_distance(D("12.04"), "fr") == f"12{NB}km" and f.format_distance(D("4.25"), "fr") == f"4,3{NB}km"
    assert f.format_duration(D("0.75"), "fr") == f"45{NB}min" and f.format_duration(D("3"), "fr") == f"3{NB}h"
    assert f.format_duration(datetime.timedelta(hours=2, minutes=5), "fr") == f"2{NB}h{NB}05"
    assert f.format_duration(minutes=125, lang="en") == f"2{NB}h{NB}05{NB}min"
    assert f.format_date(datetime.date(2026, 12, 1), "fr", style="long") == f"1er{NB}décembre 2026"
    assert f.format_date(datetime.datetime(2026, 12, 5, 10, 0), "fr", weekday=True, year=False) == f"sam. 5{NB}déc."
    assert f.format_date(datetime.date(2026, 3, 1), "nl", style="long", weekday=True) == f"zondag 1{NB}maart 2026"
    assert f.language("fr-be") == "fr" and f.language("de") == "fr" and f.language("en-gb") == "en"


def test_the_filters_follow_the_active_language():
    template = Template('{% load cabas %}{{ km|km }} · {{ h|duration }} · {{ m|money }} · {{ d|day }} · {{ q|qty }}'
                        ' · {{ q|qty_input }} · {{ p|percent }}')
    context = Context({"km": D("1633.26"), "h": D("14.61"), "m": D("1436.95"), "d": datetime.date(2026, 12, 5),
                       "q": D("1250.500"), "p": D("10.000")})
    with translation.override("fr"):
        assert template.render(context) == (f"1{NB}633,3{NB}km · 14{NB}h{NB}37 · 1{NB}436,95{NB}€ · 5{NB}déc. 2026"
                                            f" · 1{NB}250,5 · 1250,5 · 10{NB}%")
    with translation.override("en"):
        assert template.render(context) == (f"1,633.3{NB}km · 14{NB}h{NB}37{NB}min · €1,436.95 · 5{NB}Dec 2026"
                                            f" · 1,250.5 · 1250.5 · 10{NB}%")


def test_the_distance_method_is_said_in_words():
    template = Template("{% load cabas %}{{ identity|distance_method }}")
    with translation.override("fr"):
        said = template.render(Context({"identity": "great-circle(detour=1.30, speed=50.0 km/h)"}))
        assert said == "à vol d’oiseau × 1,3, à 50 km/h"
        said = template.render(Context({"identity": "osrm(http://127.0.0.1:5000, driving) or else "
                                                    "great-circle(detour=1.3, speed=60 km/h)"}))
        assert said == ("par la route (service d’itinéraires), ou sinon à vol d’oiseau × 1,3, à 60 km/h quand le "
                        "service d’itinéraires ne répond pas")
    with translation.override("en"):
        assert "as the crow flies × 1.3, at 50 km/h" == template.render(
            Context({"identity": "great-circle(detour=1.30, speed=50.0 km/h)"}))
