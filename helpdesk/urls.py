"""The site's routes: the portal, the API, the admin and the login pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from helpdesk.portal.urls import customer_patterns, ticket_patterns

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:queue", permanent=False), name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tickets/", include((ticket_patterns, "tickets"))),
    path("customers/", include((customer_patterns, "customers"))),
    path("api/", include(("helpdesk.api.urls", "api"))),
    path("admin/", admin.site.urls),
]

handler404 = "helpdesk.api.errors.page_not_found"
handler500 = "helpdesk.api.errors.server_error"
