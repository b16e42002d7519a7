from django.contrib import admin

from catalogue_imports.models import ImportJob, ImportJobEvent


class ImportJobEventInline(admin.TabularInline):
    model = ImportJobEvent
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "actor", "message", "created_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are created by uploads and changed only by the import service."""

    list_display = (
        "pk",
        "merchant",
        "original_filename",
        "status",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_failed",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("merchant__slug", "merchant__name_en", "original_filename")
    list_select_related = ("merchant",)
    inlines = (ImportJobEventInline,)

    # The uploaded file is in private storage, which has no URL: the admin's read-only display of
    # a FileField links to its URL and failed with a 500. Show its name instead.
    exclude = ("file",)

    def get_readonly_fields(self, request, obj=None):
        return ["file_name" if f.name == "file" else f.name for f in ImportJob._meta.fields]

    @admin.display(description=ImportJob._meta.get_field("file").verbose_name)
    def file_name(self, obj: ImportJob) -> str:
        return obj.file.name

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
