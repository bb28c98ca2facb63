from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("catalog", "0013_club_categories_and_labels_data")]

    operations = [
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(fields=("club", "name"), name="category_unique_name_in_club"),
        ),
        migrations.AddConstraint(
            model_name="category",
            constraint=models.UniqueConstraint(condition=models.Q(("club__isnull", True)), fields=("name",), name="category_unique_name_shared"),
        ),
        migrations.AddConstraint(
            model_name="label",
            constraint=models.UniqueConstraint(fields=("club", "name"), name="label_unique_name_in_club"),
        ),
        migrations.AddConstraint(
            model_name="label",
            constraint=models.UniqueConstraint(condition=models.Q(("club__isnull", True)), fields=("name",), name="label_unique_name_shared"),
        ),
    ]
