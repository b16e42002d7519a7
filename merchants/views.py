"""Pages of the merchants app: applying, the municipal review queue, the licence scan, and the
public merchant page. Each parses its input, calls one service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView, View

from merchants import selectors, services
from merchants.exceptions import ApplicationExists, InvalidTransition
from merchants.forms import MerchantApplicationForm, QueueFilterForm, ReasonForm, service_errors_add
from merchants.models import (
    REVIEW_PERMISSION,
    ApplicationStatus,
    Merchant,
    MerchantApplication,
    MerchantStatus,
)
from merchants.validators import LICENCE_EXTENSIONS

# --- applicant ----------------------------------------------------------------------------


class ApplyView(LoginRequiredMixin, TemplateView):
    """``/merchants/apply/``: apply; edit and resubmit while changes are requested; else the
    application's status and history."""

    template_name = "merchants/apply.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            self.application = selectors.merchant_application_current(applicant=request.user)
        return super().dispatch(request, *args, **kwargs)

    @property
    def mode(self) -> str:
        application = self.application
        if application is None or application.status == ApplicationStatus.REJECTED:
            return "new"
        if application.status == ApplicationStatus.CHANGES_REQUESTED:
            return "edit"
        return "status"

    def get_form(self, data: Any = None, files: Any = None) -> MerchantApplicationForm | None:
        if self.mode == "status":
            return None
        if self.mode == "edit":
            return MerchantApplicationForm(data, files, instance=self.application)
        initial = {}
        if self.application is not None:  # rejected: start from what they sent last time
            initial = model_to_dict(
                self.application, exclude=["id", "licence_scan", "status", "merchant"]
            )
        return MerchantApplicationForm(data, files, initial=initial)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context["application"] = self.application
        context["mode"] = self.mode
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.mode == "status":
            messages.info(request, _("Your application cannot be changed now."))
            return redirect("merchants:apply")
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                if self.mode == "edit":
                    services.merchant_application_resubmit(
                        application_id=self.application.pk,
                        applicant=request.user,
                        details=form.details(),
                        licence_scan=form.cleaned_data["licence_scan"],
                    )
                    messages.success(request, _("Your changes were sent for review."))
                else:
                    services.merchant_application_submit(
                        applicant=request.user,
                        details=form.details(),
                        licence_scan=form.cleaned_data["licence_scan"],
                    )
                    messages.success(request, _("Your application was sent for review."))
                return redirect("merchants:apply")
            except ValidationError as exc:
                service_errors_add(form, exc)
            except (ApplicationExists, InvalidTransition) as exc:
                messages.error(request, str(exc))
                return redirect("merchants:apply")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LicenceScanView(LoginRequiredMixin, View):
    """The licence scan of an application, to its applicant and to municipal staff only (404 to
    anyone else, so the existence of an application is not revealed). Sent as a download with its
    sniffed content type, ``nosniff``, and no caching."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            application = selectors.merchant_application_visible_to(
                application_id=pk, user=request.user
            )
        except MerchantApplication.DoesNotExist as exc:
            raise Http404 from exc
        try:
            handle = application.licence_scan.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        extension = LICENCE_EXTENSIONS[application.licence_content_type]
        response = FileResponse(
            handle,
            content_type=application.licence_content_type,
            as_attachment=True,
            filename=f"licence-{application.pk}.{extension}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# --- municipal staff ----------------------------------------------------------------------


class ReviewerRequiredMixin:
    """Sign-in first (redirect), then the review permission (403)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(REVIEW_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ReviewQueueView(ReviewerRequiredMixin, ListView):
    """``/merchants/review/``: applications by status (submitted first by default)."""

    template_name = "merchants/review/queue.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self) -> Any:
        data = self.request.GET if "status" in self.request.GET else {"status": "submitted"}
        self.filter_form = QueueFilterForm(data)
        status = self.filter_form.cleaned_data["status"] if self.filter_form.is_valid() else ""
        return selectors.merchant_application_queue(status=status or None)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        context["counts"] = selectors.merchant_application_counts()
        context["statuses"] = ApplicationStatus
        return context


#: Review actions: (service, acts on the merchant, reason required, success message).
REVIEW_ACTIONS: dict[str, tuple[Any, bool, bool, str]] = {
    "approve": (services.merchant_application_approve, False, False, "Application approved."),
    "request_changes": (
        services.merchant_application_request_changes,
        False,
        True,
        "Changes requested from the applicant.",
    ),
    "reject": (services.merchant_application_reject, False, True, "Application rejected."),
    "suspend": (services.merchant_suspend, True, True, "Merchant suspended."),
    "reinstate": (services.merchant_reinstate, True, True, "Merchant reinstated."),
}


class ReviewDetailView(ReviewerRequiredMixin, TemplateView):
    """``/merchants/review/<pk>/``: an application with its licence link and history, and the
    forms of the actions its status allows (approve, request changes, reject; suspend or
    reinstate its merchant). A POST carries ``action`` and that form's reason."""

    template_name = "merchants/review/detail.html"

    def _application(self) -> MerchantApplication:
        try:
            return selectors.merchant_application_for_review(application_id=self.kwargs["pk"])
        except MerchantApplication.DoesNotExist as exc:
            raise Http404 from exc

    @staticmethod
    def _available(application: MerchantApplication) -> list[str]:
        if application.status == ApplicationStatus.SUBMITTED:
            return ["approve", "request_changes", "reject"]
        if application.status == ApplicationStatus.CHANGES_REQUESTED:
            return ["reject"]
        merchant: Merchant | None = application.merchant
        if merchant is not None and merchant.status == MerchantStatus.APPROVED:
            return ["suspend"]
        if merchant is not None and merchant.status == MerchantStatus.SUSPENDED:
            return ["reinstate"]
        return []

    def _forms(self, application: MerchantApplication, bound: Any = None) -> dict[str, ReasonForm]:
        forms = {}
        for action in self._available(application):
            required = REVIEW_ACTIONS[action][2]
            data = bound[1] if bound is not None and bound[0] == action else None
            forms[action] = ReasonForm(data, prefix=action, reason_required=required)
        return forms

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        application = kwargs.get("application") or self._application()
        context["application"] = application
        context["action_forms"] = kwargs.get("action_forms") or self._forms(application)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application = self._application()
        action = request.POST.get("action", "")
        if action not in REVIEW_ACTIONS:
            raise Http404
        service, on_merchant, required, done = REVIEW_ACTIONS[action]
        form = ReasonForm(request.POST, prefix=action, reason_required=required)
        if on_merchant and application.merchant_id is None:
            messages.error(request, _("This application has no merchant to suspend or reinstate."))
            return redirect("merchants:review-detail", pk=application.pk)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if on_merchant:
                    service(merchant_id=application.merchant_id, actor=request.user, reason=reason)
                else:
                    service(application_id=application.pk, actor=request.user, reason=reason)
            except ValidationError as exc:
                service_errors_add(form, exc)
            except InvalidTransition as exc:
                messages.error(request, str(exc))
                return redirect("merchants:review-detail", pk=application.pk)
            else:
                messages.success(request, _(done))
                return redirect("merchants:review-detail", pk=application.pk)
        forms = self._forms(application)
        forms[action] = form
        return self.render_to_response(
            self.get_context_data(application=application, action_forms=forms), status=400
        )


# --- public -------------------------------------------------------------------------------


class MerchantDetailView(ListView):
    """``/merchants/<slug>/``: a trading merchant's names, city, categories, rating and public
    products with prices; 404 for merchants that are not trading. Its query count does not grow
    with the number of products."""

    template_name = "merchants/detail.html"
    context_object_name = "products"
    paginate_by = settings.OSCAR_PRODUCTS_PER_PAGE

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.merchant = selectors.merchant_public_get(slug=kwargs["slug"])
        except Merchant.DoesNotExist as exc:
            raise Http404 from exc
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return selectors.merchant_public_products(merchant=self.merchant)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["merchant"] = self.merchant
        context["categories"] = selectors.merchant_categories(merchant=self.merchant)
        context["rating"] = selectors.merchant_rating(merchant=self.merchant)
        context["page"] = context["page_obj"]
        return context
