"""Categories and labels per club.

Until now a category (and a label) was shared by every club of the installation. Each club now has its own:
each category or label in use becomes the first club's that uses it, and every other club that uses it gets its
own copy (same name and position), its products, offers and chilled categories (its producers, for a label)
repointed to it. One in use by no club goes to the club when the installation has only one; else it stays the
installation's (``club`` empty), which only the operators change and every club may use."""

from django.db import migrations


def _clubs_of(queryset, path):
    return set(queryset.values_list(path, flat=True).distinct())


def per_club(apps, schema_editor):
    Club = apps.get_model("members", "Club")
    Category = apps.get_model("catalog", "Category")
    Label = apps.get_model("catalog", "Label")
    Producer = apps.get_model("catalog", "Producer")
    Product = apps.get_model("catalog", "Product")
    Offer = apps.get_model("ordering", "Offer")
    Chilled = apps.get_model("logistics", "ChilledCategory")
    ProducerLabel = Producer._meta.get_field("labels").remote_field.through
    club_ids = list(Club.objects.order_by("pk").values_list("pk", flat=True))
    only_club = club_ids[0] if len(club_ids) == 1 else None

    for category in Category.objects.order_by("pk"):
        users = (_clubs_of(Product.objects.filter(category=category), "producer__club_id")
                 | _clubs_of(Offer.objects.filter(category=category), "cycle__club_id")
                 | _clubs_of(Chilled.objects.filter(category=category), "club_id"))
        if not users:
            if only_club is not None:
                Category.objects.filter(pk=category.pk).update(club_id=only_club)
            continue
        first, *others = sorted(users)
        Category.objects.filter(pk=category.pk).update(club_id=first)
        for club_id in others:
            copy = Category.objects.create(club_id=club_id, name=category.name, position=category.position)
            Product.objects.filter(category=category, producer__club_id=club_id).update(category=copy)
            Offer.objects.filter(category=category, cycle__club_id=club_id).update(category=copy)
            Chilled.objects.filter(category=category, club_id=club_id).update(category=copy)

    for label in Label.objects.order_by("pk"):
        users = _clubs_of(ProducerLabel.objects.filter(label=label), "producer__club_id")
        if not users:
            if only_club is not None:
                Label.objects.filter(pk=label.pk).update(club_id=only_club)
            continue
        first, *others = sorted(users)
        Label.objects.filter(pk=label.pk).update(club_id=first)
        for club_id in others:
            copy = Label.objects.create(club_id=club_id, name=label.name)
            ProducerLabel.objects.filter(label=label, producer__club_id=club_id).update(label=copy)


def shared_again(apps, schema_editor):
    """Back to one category (and label) per name: the copies merged into the oldest row of each name."""
    Category = apps.get_model("catalog", "Category")
    Label = apps.get_model("catalog", "Label")
    Producer = apps.get_model("catalog", "Producer")
    Product = apps.get_model("catalog", "Product")
    Offer = apps.get_model("ordering", "Offer")
    Chilled = apps.get_model("logistics", "ChilledCategory")
    ProducerLabel = Producer._meta.get_field("labels").remote_field.through
    kept: dict[str, int] = {}
    for category in Category.objects.order_by("pk"):
        if category.name not in kept:
            kept[category.name] = category.pk
            continue
        target = kept[category.name]
        Product.objects.filter(category=category).update(category_id=target)
        Offer.objects.filter(category=category).update(category_id=target)
        for chilled in Chilled.objects.filter(category=category):
            if Chilled.objects.filter(club_id=chilled.club_id, category_id=target).exists():
                chilled.delete()
            else:
                Chilled.objects.filter(pk=chilled.pk).update(category_id=target)
        category.delete()
    kept = {}
    for label in Label.objects.order_by("pk"):
        if label.name not in kept:
            kept[label.name] = label.pk
            continue
        target = kept[label.name]
        for row in ProducerLabel.objects.filter(label=label):
            if ProducerLabel.objects.filter(producer_id=row.producer_id, label_id=target).exists():
                row.delete()
            else:
                ProducerLabel.objects.filter(pk=row.pk).update(label_id=target)
        label.delete()
    Category.objects.update(club=None)
    Label.objects.update(club=None)


class Migration(migrations.Migration):
    """Each club its own copy of the categories and labels it uses (its own migration: on PostgreSQL the rows it
    changes must be committed before the next migration alters the tables)."""

    dependencies = [("catalog", "0012_club_categories_and_labels")]

    operations = [
        migrations.RunPython(per_club, shared_again),
    ]
