# Written by hand to match Title.Meta.indexes: the Titles page's default sort, its filters and
# its other sorts, so the page stays fast with 100,000 titles.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lists', '0002_source_cache'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['title', 'year'], name='title_by_name'),
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['server_status', 'title', 'year'], name='title_by_status'),
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['media_type', 'title', 'year'], name='title_by_media_type'),
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['year', 'title'], name='title_by_year'),
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['created_at'], name='title_by_created_at'),
        ),
        migrations.AddIndex(
            model_name='title',
            index=models.Index(fields=['status_checked_at'], name='title_by_status_checked_at'),
        ),
    ]
