import django.db.models
from django.db import migrations

import contactkit.inbox.models


class Migration(migrations.Migration):
    """The reply tokens 0007 gave every conversation become unique.

    A migration of its own: PostgreSQL refuses to alter a table in the transaction that has
    just updated its rows' foreign keys (0007 sets the first responders).
    """

    dependencies = [("contactkit", "0007_thread_links_and_mail_import")]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="reply_token",
            field=django.db.models.CharField(
                default=contactkit.inbox.models.new_token,
                editable=False,
                max_length=24,
                unique=True,
            ),
        ),
    ]
