"""Categories and labels per club: the ``club`` field (the rows move to their clubs in 0013, the names are unique
per club from 0014)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0011_planned_farm_visits"),
        ("members", "0005_group_rhythm"),
        ("ordering", "0008_offer_container_deposit"),
        ("logistics", "0002_planning_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="club",
            field=models.ForeignKey(blank=True, help_text="Empty: a category of the whole installation, changed only by its operators.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="categories", to="members.club", verbose_name="club"),
        ),
        migrations.AddField(
            model_name="label",
            name="club",
            field=models.ForeignKey(blank=True, help_text="Empty: a label of the whole installation, changed only by its operators.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="labels", to="members.club", verbose_name="club"),
        ),
        migrations.AlterField(
            model_name="category",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="label",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
    ]
