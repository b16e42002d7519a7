"""The merchant side of the dashboard: who may enter Oscar's dashboard, what each user sees there,
and the pages we add to it (customs data of a product, HS code search)."""
