"""The API's routes."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from helpdesk.api.customers.views import CustomerViewSet
from helpdesk.api.health import health
from helpdesk.api.macros.views import MacroListView
from helpdesk.api.mail.views import AttachmentDownloadView, InboundEmailView
from helpdesk.api.tickets.batch import MessageBatchView
from helpdesk.api.tickets.views import TicketMessageViewSet, TicketViewSet
from helpdesk.api.widget.views import WidgetMessagesView, WidgetSessionView

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("tickets", TicketViewSet, basename="ticket")

ticket_messages = TicketMessageViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    path("health/", health, name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's setup as a script file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tickets/<int:ticket_pk>/messages/", ticket_messages, name="ticket-messages"),
    path("macros/", MacroListView.as_view(), name="macro-list"),
    path("messages/batch/", MessageBatchView.as_view(), name="message-batch"),
    path("inbound/email/", InboundEmailView.as_view(), name="inbound-email"),
    path("widget/session/", WidgetSessionView.as_view(), name="widget-session"),
    path("widget/messages/", WidgetMessagesView.as_view(), name="widget-messages"),
    path("attachments/<int:pk>/", AttachmentDownloadView.as_view(), name="attachment-download"),
    path("", include(router.urls)),
]
