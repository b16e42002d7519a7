from django.urls import path

from catalogue_imports import views

app_name = "catalogue_imports"

urlpatterns = [
    path("", views.ImportUploadView.as_view(), name="upload"),
    path("<int:pk>/", views.ImportJobDetailView.as_view(), name="detail"),
    path("<int:pk>/progress/", views.import_job_progress, name="progress"),
    path("<int:pk>/file/", views.import_job_file, name="file"),
]
