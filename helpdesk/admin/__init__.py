"""The managers' Django admin: tickets, customers, mail, webhooks and the memory mirror, each
in its module.

Django imports this module at start (the `helpdesk` app's `admin`); the imports below register
the pages.
"""

from django.contrib import admin

from helpdesk.admin import channels, customers, memory, tickets, webhooks

admin.site.site_header = "Helpdesk administration"
admin.site.site_title = "Helpdesk admin"
admin.site.index_title = "Tickets, customers and agents"

__all__ = ["channels", "customers", "memory", "tickets", "webhooks"]
