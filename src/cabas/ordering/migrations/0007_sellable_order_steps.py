"""The offers of cycles not yet closed get their unit's step (the rule of catalog 0007, for the offer's frozen pack size) when theirs is finer
than 10 g / 1 cl or fractional for what is counted — but only when every quantity already ordered (lines, their
tolerances and committed parts, and the history of changes first-come rationing replays) is a whole number of the
new step: no household's order is changed behind its back. An offer with a line off the new step keeps the step it
was opened with (the closing still works in it; the cycle's coordinator sees the quantities as ordered). Closed
cycles' offers are history: never touched."""

from django.db import migrations

from cabas.catalog.migrations import _steps_0007 as rule


def sellable_steps(apps, schema_editor):
    Offer = apps.get_model("ordering", "Offer")
    OrderLine = apps.get_model("ordering", "OrderLine")
    LineChange = apps.get_model("ordering", "LineChange")
    offers = [o for o in Offer.objects.filter(cycle__closed_at__isnull=True).only("pk", "unit", "pack_size", "order_step")
              if rule.needs_a_step(o.unit, o.order_step)]
    if not offers:
        return
    ids = [o.pk for o in offers]
    quantities = {}
    for offer_id, *values in OrderLine.objects.filter(offer_id__in=ids).values_list("offer_id", "quantity", "tolerance", "committed"):
        quantities.setdefault(offer_id, set()).update(values)
    for offer_id, *values in LineChange.objects.filter(offer_id__in=ids).values_list("offer_id", "quantity", "tolerance"):
        quantities.setdefault(offer_id, set()).update(values)
    changed, kept = [], []
    for offer in offers:
        step = rule.default_order_step(offer.unit, offer.pack_size)
        if step is not None and all(q % step == 0 for q in quantities.get(offer.pk, ())):
            offer.order_step = step
            changed.append(offer)
        else:
            kept.append(offer)
    Offer.objects.bulk_update(changed, ["order_step"], batch_size=500)
    if kept:
        print(f"\n  {len(kept)} offer(s) of open cycles keep their fine order step: quantities already ordered are "
              f"not whole steps of the unit's step (offers {', '.join(str(o.pk) for o in kept[:20])}).")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0007_sellable_order_steps"),
        ("ordering", "0006_allocation_unchecked_household"),
    ]

    operations = [
        migrations.RunPython(sellable_steps, migrations.RunPython.noop),
    ]
