"""Municipal finance pages under /finance/: the dashboard and the remittance statements."""

from finance.dashboard_urls import urlpatterns as dashboard
from finance.remittance_urls import urlpatterns as remittance

app_name = "finance"
urlpatterns = [*dashboard, *remittance]
