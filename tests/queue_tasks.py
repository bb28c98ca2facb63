"""Tasks for tests/test_queue.py (a task is found by its module path, so it lives in an importable module)."""

from django_tasks import task

from cabas.members.models import Household


@task()
def rename_household(household_id: int, name: str) -> str:
    """Idempotent: the same name twice is the same outcome."""
    Household.objects.filter(pk=household_id).update(name=name)
    return name


@task()
def always_fails(household_id: int) -> None:
    raise RuntimeError(f"no luck for {household_id}")
