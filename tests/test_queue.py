"""The task queue: tasks reach the queue when the transaction commits (never for a rolled-back one), a worker
runs them, a failure is recorded and shown to the installation's operators only."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from cabas.core.tasks import enqueue_on_commit, uses_redis
from cabas.members.models import Household

from .queue_tasks import always_fails, rename_household


def test_a_task_enqueued_on_commit_runs_in_the_worker(world, run_tasks):
    enqueue_on_commit(rename_household, world.household_a1.pk, "Foyer Renommé")
    assert Household.objects.get(pk=world.household_a1.pk).name == "Foyer Le Goff"  # not before the commit
    assert run_tasks() == 1
    assert Household.objects.get(pk=world.household_a1.pk).name == "Foyer Renommé"
    assert run_tasks() == 0  # nothing left


def test_a_rolled_back_transaction_enqueues_nothing(world, run_tasks):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            enqueue_on_commit(rename_household, world.household_a1.pk, "Jamais")
            raise RuntimeError
    assert run_tasks() == 0
    assert Household.objects.get(pk=world.household_a1.pk).name == "Foyer Le Goff"


def test_a_failing_task_is_recorded_and_the_others_run(world, run_tasks):
    failing = always_fails.enqueue(world.household_a1.pk)
    rename_household.enqueue(world.household_a2.pk, "Foyer Suivant")
    assert run_tasks() == 2
    assert Household.objects.get(pk=world.household_a2.pk).name == "Foyer Suivant"
    result = always_fails.get_result(failing.id)
    assert result.status == "FAILED"
    assert "no luck" in result.errors[-1].traceback


@pytest.mark.skipif(uses_redis(), reason="with Redis, failed tasks are in RQ's registry (rqstats), not the admin")
def test_failed_tasks_are_shown_to_superusers_only(world, run_tasks, client):
    failing = always_fails.enqueue(world.household_a1.pk)
    run_tasks()
    url = reverse("admin:django_tasks_database_dbtaskresult_change", args=[failing.id])
    operator = world.user("root@example.org", None)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200 and b"no luck" in page.content
    assert client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist") + "?status__exact=FAILED").status_code == 200
    world.coordinator.is_staff = True
    world.coordinator.save()
    client.force_login(world.coordinator)
    assert reverse("admin:login") in client.get(url)["Location"]
    assert reverse("admin:login") in client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))["Location"]


def test_the_worker_command_in_batch_mode_runs_what_waits_and_exits(world, capsys):
    rename_household.enqueue(world.household_b1.pk, "Foyer du Lot")
    call_command("worker", "--batch")
    assert "1 task(s) run" in capsys.readouterr().out
    assert Household.objects.get(pk=world.household_b1.pk).name == "Foyer du Lot"
