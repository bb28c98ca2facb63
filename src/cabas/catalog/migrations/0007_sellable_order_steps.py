"""Every product gets an order step people can hand out: a product without one, or with one finer than 10 g / 1 cl
(0.001: "by the gram"), or fractional for what is counted, takes its unit's step (see ``cabas.catalog.steps``, whose
rule is copied here as it stood, so that this migration does not change when that module does)."""

from django.db import migrations

from ._steps_0007 import default_order_step, needs_a_step


def sellable_steps(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    changed = []
    for product in Product.objects.only("pk", "unit", "pack_size", "order_step"):
        if needs_a_step(product.unit, product.order_step):
            # A pack no usual step divides (1.005 kg) keeps the pack as its step: what is handed out whole.
            product.order_step = default_order_step(product.unit, product.pack_size) or product.pack_size
            changed.append(product)
    Product.objects.bulk_update(changed, ["order_step"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0006_product_weight_crates"),
    ]

    operations = [
        migrations.RunPython(sellable_steps, migrations.RunPython.noop),
    ]
