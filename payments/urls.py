from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<str:provider>/", views.webhook_receive, name="webhook"),
    # The address given to Stripe's dashboard; the same inbox as webhooks/stripe/.
    path(
        "stripe/webhook/",
        views.webhook_receive,
        {"provider": "stripe"},
        name="stripe-webhook",
    ),
    path("sandbox/3ds/<str:token>/", views.SandboxChallengeView.as_view(), name="sandbox-3ds"),
    path(
        "refunds/merchant-order/<int:pk>/",
        views.MerchantOrderRefundView.as_view(),
        name="merchant-order-refund",
    ),
]
