"""The database itself refuses to allocate more stock than there is (belt and braces for the row
locks in purchases.services). Oscar's StockRecord is not ours to edit, so the constraint is added
here, on its table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0001_initial"),
        ("partner", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "ALTER TABLE partner_stockrecord ADD CONSTRAINT purchases_stock_not_oversold "
                "CHECK (num_allocated IS NULL OR num_in_stock IS NULL OR num_allocated <= num_in_stock)"
            ),
            reverse_sql="ALTER TABLE partner_stockrecord DROP CONSTRAINT purchases_stock_not_oversold",
        ),
    ]
