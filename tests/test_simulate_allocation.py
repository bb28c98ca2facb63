"""`cabas simulate-allocation`: the engine on a JSON scenario, without the database."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

MILK = {
    "strategy": "equal-share",
    "products": [{"id": "lait", "pack_size": 6, "step": "1"}],
    "requests": [
        {"household": "a", "product": "lait", "quantity": 4, "tolerance": 1},
        {"household": "b", "product": "lait", "quantity": "3"},
        {"household": "c", "product": "lait", "quantity": 4, "tolerance": "2", "at": None},
    ],
}


def simulate(tmp_path, scenario) -> dict:
    path = tmp_path / "scenario.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario), encoding="utf-8")
    out = StringIO()
    call_command("simulate-allocation", str(path), stdout=out)
    return json.loads(out.getvalue())


def given(result):
    return {(a["household"], a["product"]): a["allocated"] for a in result["allocations"]}


def test_packs_completed_by_tolerance(tmp_path, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        result = simulate(tmp_path, MILK)
    assert result["products"] == [{
        "id": "lait", "status": "ok", "quantity": "11", "tolerance": "3", "packs": 2, "ordered": "12",
        "allocated": "12", "surplus": "0", "missing_for_next_pack": "0", "min_total": None, "supply_left": None,
    }]
    assert given(result) == {("a", "lait"): "5", ("b", "lait"): "3", ("c", "lait"): "4"}
    assert result["allocations"][0]["reason"] == "tolerance"


def test_below_threshold(tmp_path):
    result = simulate(tmp_path, {"products": [{"id": 1, "step": "0.5", "min_total": 20}],
                                 "requests": [{"household": 7, "product": 1, "quantity": "8.5"}]})
    assert result["products"][0]["status"] == "below_threshold"
    assert result["allocations"] == [{"household": 7, "product": 1, "requested": "8.5", "tolerance": "0",
                                      "allocated": "0", "reason": "below_threshold"}]


@pytest.mark.parametrize(("strategy", "expected"), [
    ("equal-share", {"a": "1", "b": "3", "c": "2"}),
    ("proportional", {"a": "1", "b": "3", "c": "2"}),
    ("first-come", {"a": "1", "b": "5", "c": "0"}),
])
def test_rationing_under_a_supply_cap(tmp_path, strategy, expected):
    result = simulate(tmp_path, {"strategy": strategy, "products": [{"id": "p", "supply_cap": 6}], "requests": [
        {"household": "a", "product": "p", "quantity": 1, "at": "2026-11-20T08:01:00Z"},
        {"household": "b", "product": "p", "quantity": 5, "at": "2026-11-20T08:02:00+00:00"},
        {"household": "c", "product": "p", "quantity": 4, "at": "2026-11-20T08:03:00"},
    ]})
    assert {a["household"]: a["allocated"] for a in result["allocations"]} == expected
    assert result["products"][0]["status"] == "rationed"


def test_successive_changes_the_latest_counts(tmp_path):
    result = simulate(tmp_path, {"strategy": "first-come", "products": [{"id": "p", "supply_cap": "5"}], "requests": [
        {"household": "a", "product": "p", "quantity": 2, "at": "2026-11-20T08:00:00Z"},
        {"household": "b", "product": "p", "quantity": 3, "at": "2026-11-20T08:01:00Z"},
        {"household": "a", "product": "p", "quantity": 5, "at": "2026-11-20T08:02:00Z"},
    ]})
    assert {a["household"]: (a["requested"], a["allocated"]) for a in result["allocations"]} == {"a": ("5", "2"), "b": ("3", "3")}


@pytest.mark.parametrize(("scenario", "words"), [
    ({"products": [], "requests": [{"household": "a", "product": "x", "quantity": 1}]}, "x"),
    ({"products": [{"id": "p"}], "requests": [{"household": "a", "product": "p", "quantity": -1}]}, "négati"),
    ({"products": [{"id": "p", "pack_size": 5, "step": 2}]}, "ne divise pas"),
    ({"products": [{"id": "p", "colour": "red"}]}, "colour"),
    ({"products": [{"id": "p"}], "requests": [{"household": "a", "product": "p", "quantity": "abc"}]}, "abc"),
    ({"strategy": "lottery"}, "lottery"),
    ('{"products": [', "JSON"),
])
def test_bad_scenarios_get_a_clear_message(tmp_path, scenario, words):
    with pytest.raises(CommandError) as error:
        simulate(tmp_path, scenario)
    assert words in str(error.value)


def test_reads_stdin_and_exits_non_zero_on_a_bad_scenario():
    cabas = Path(sys.executable).with_name("cabas")
    ok = subprocess.run([cabas, "simulate-allocation", "-"], input=json.dumps(MILK), capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["products"][0]["packs"] == 2
    bad = subprocess.run([cabas, "simulate-allocation", "-"], input="[1, 2", capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "JSON" in bad.stderr
