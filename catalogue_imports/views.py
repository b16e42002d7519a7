"""Dashboard pages for merchant staff: upload a catalogue file, follow its import."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from catalogue_imports.columns import COLUMNS
from catalogue_imports.forms import ImportUploadForm
from catalogue_imports.models import ImportJob
from catalogue_imports.selectors import import_jobs_visible_to, merchants_staffed_by
from catalogue_imports.services import import_job_create

RECENT_JOBS = 20


class MerchantStaffRequiredMixin(LoginRequiredMixin):
    """Logged-in users who work for an approved merchant (in its partner's ``users``); 403 else."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.merchants = list(merchants_staffed_by(user=request.user))
        if not self.merchants:
            raise PermissionDenied("Only merchant staff import catalogues.")
        return super().dispatch(request, *args, **kwargs)

    def job_get(self, pk: int) -> ImportJob:
        """The job if it belongs to one of the user's merchants; 404 otherwise, even if it exists."""
        return get_object_or_404(import_jobs_visible_to(user=self.request.user), pk=pk)


class ImportUploadView(MerchantStaffRequiredMixin, FormView):
    template_name = "catalogue_imports/upload.html"
    form_class = ImportUploadForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "merchants": merchants_staffed_by(user=self.request.user),
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            jobs=import_jobs_visible_to(user=self.request.user)[:RECENT_JOBS],
            columns=COLUMNS,
            show_merchant=len(self.merchants) > 1,
            **kwargs,
        )

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        job = import_job_create(
            merchant=form.chosen_merchant,
            file=form.cleaned_data["file"],
            all_or_nothing=form.cleaned_data["all_or_nothing"],
            dry_run=form.cleaned_data["dry_run"],
            created_by=self.request.user,
        )
        return redirect("catalogue_imports:detail", pk=job.pk)


class ImportJobDetailView(MerchantStaffRequiredMixin, TemplateView):
    template_name = "catalogue_imports/detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        job = self.job_get(self.kwargs["pk"])
        return super().get_context_data(job=job, **kwargs)


def job_progress_payload(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "done": job.is_done,
        "percent": job.percent,
        "total": job.rows_total,
        "processed": job.rows_processed,
        "created": job.rows_created,
        "updated": job.rows_updated,
        "unchanged": job.rows_unchanged,
        "failed": job.rows_failed,
        "errors_total": job.errors_total,
        "failure_reason": job.failure_reason,
        "dry_run": job.dry_run,
    }


class ImportJobProgressView(MerchantStaffRequiredMixin, View):
    """The job's status and counters as JSON, polled by the job page every second."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        response = JsonResponse(job_progress_payload(self.job_get(pk)))
        response["Cache-Control"] = "no-store"
        return response


import_job_progress = ImportJobProgressView.as_view()


_FILE_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ImportJobFileView(LoginRequiredMixin, View):
    """The uploaded catalogue file of a job: to the staff of its merchant and to platform admins;
    404 to other merchants' staff (the job's existence is not revealed), 403 to everyone else,
    as the other import pages. Sent as a download under its original name, with ``nosniff``, no
    caching and a sandboxing CSP."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.user.is_superuser:
            jobs = ImportJob.objects.all()
        elif merchants_staffed_by(user=request.user).exists():
            jobs = import_jobs_visible_to(user=request.user)
        else:
            raise PermissionDenied("Only merchant staff and admins download catalogue files.")
        job = get_object_or_404(jobs, pk=pk)
        suffix = PurePath(job.file.name).suffix.lower()
        try:
            handle = job.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(
            handle,
            content_type=_FILE_TYPES.get(suffix, "application/octet-stream"),
            as_attachment=True,
            filename=job.original_filename or f"catalogue-import-{job.pk}{suffix}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


import_job_file = ImportJobFileView.as_view()
