"""``/customs/...``: the officers' workspace, a declaration's files, the rules, the hooks."""

from django.urls import path

from customs.views import files, hooks, rules, workspace

app_name = "customs"

urlpatterns = [
    path("", workspace.QueueView.as_view(), name="queue"),
    path("declarations/<int:pk>/", workspace.DeclarationDetailView.as_view(), name="declaration"),
    path("declarations/<int:pk>/ecn23.json", files.Ecn23View.as_view(), name="declaration-ecn23"),
    path(
        "declarations/<int:pk>/cn23.pdf",
        files.PdfView.as_view(kind="cn23"),
        name="declaration-cn23",
    ),
    path(
        "declarations/<int:pk>/invoice.pdf",
        files.PdfView.as_view(kind="invoice"),
        name="declaration-invoice",
    ),
    path(
        "declarations/<int:pk>/documents/<int:document_pk>/",
        files.DocumentDownloadView.as_view(),
        name="declaration-document",
    ),
    path(
        "declarations/<int:pk>/<slug:action>/",
        workspace.DeclarationActionView.as_view(),
        name="declaration-action",
    ),
    path("rules/", rules.RulesView.as_view(), name="rules"),
    path("hooks/status/", hooks.status_hook, name="hook-status"),
    path("hooks/dead-letters/", hooks.DeadLetterView.as_view(), name="dead-letters"),
]
