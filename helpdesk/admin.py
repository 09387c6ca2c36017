from django.contrib import admin

from helpdesk.models import Memory


@admin.register(Memory)
class MemoryAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "category", "customer", "ticket", "is_corrected", "created_at"]
    list_filter = ["kind", "category", "is_corrected"]
    search_fields = ["text", "customer__name", "customer__external_id"]
    list_select_related = ["customer", "ticket"]
    raw_id_fields = ["customer", "ticket", "source_message"]
    readonly_fields = ["created_at"]
