from django.db import migrations, models


def feminine_amaps(apps, schema_editor):
    """A club that calls its groups AMAP (« l'AMAP », « cette AMAP ») gets the feminine; the others keep the
    masculine of « groupe d'achat », « GAC », « GASAP »."""
    Club = apps.get_model("members", "Club")
    for club in Club.objects.all():
        if club.group_label.strip().upper().startswith("AMAP"):
            club.group_label_feminine = True
            club.save(update_fields=["group_label_feminine"])


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0006_invitations_producer_fee"),
    ]

    operations = [
        migrations.AddField(
            model_name="club",
            name="group_label_plural",
            field=models.CharField(blank=True, help_text="Empty: made from the word (an acronym stays as it is).", max_length=60, verbose_name="plural of the word for a group"),
        ),
        migrations.AddField(
            model_name="club",
            name="group_label_feminine",
            field=models.BooleanField(default=False, help_text="« la » / « cette » (an AMAP).", verbose_name="the word for a group is feminine"),
        ),
        migrations.AddField(
            model_name="club",
            name="depot_label",
            field=models.CharField(default="lieu de dépôt", help_text="Where a group receives its goods: lieu de dépôt, point de dépôt, lieu de distribution…", max_length=60, verbose_name="word for a depot"),
        ),
        migrations.AddField(
            model_name="club",
            name="depot_label_plural",
            field=models.CharField(blank=True, help_text="Empty: made from the word (an acronym stays as it is).", max_length=60, verbose_name="plural of the word for a depot"),
        ),
        migrations.AddField(
            model_name="club",
            name="depot_label_feminine",
            field=models.BooleanField(default=False, verbose_name="the word for a depot is feminine"),
        ),
        migrations.AddField(
            model_name="club",
            name="subscription_label",
            field=models.CharField(default="abonnement", help_text="A household's commitment over a season: abonnement, contrat AMAP, panier…", max_length=60, verbose_name="word for a subscription"),
        ),
        migrations.AddField(
            model_name="club",
            name="subscription_label_plural",
            field=models.CharField(blank=True, help_text="Empty: made from the word (an acronym stays as it is).", max_length=60, verbose_name="plural of the word for a subscription"),
        ),
        migrations.AddField(
            model_name="club",
            name="subscription_label_feminine",
            field=models.BooleanField(default=False, verbose_name="the word for a subscription is feminine"),
        ),
        migrations.RunPython(feminine_amaps, migrations.RunPython.noop),
    ]
