"""The agent portal's pages: the ticket queue and page, and customers."""

from django.urls import path

from helpdesk.portal import customers, tickets

ticket_patterns = [
    path("", tickets.queue, name="queue"),
    path("<int:pk>/", tickets.detail, name="detail"),
    path("<int:pk>/reply/", tickets.reply, name="reply"),
    path("<int:pk>/update/", tickets.update, name="update"),
    path("<int:pk>/take/", tickets.take, name="take"),
    path("<int:pk>/context/", tickets.context, name="context"),
    path("<int:pk>/escalate/", tickets.escalate, name="escalate"),
    path("<int:pk>/suggested-reply/", tickets.suggested_reply, name="suggested_reply"),
]

customer_patterns = [
    path("", customers.customer_list, name="list"),
    path("<int:pk>/", customers.customer_detail, name="detail"),
    path("<int:pk>/memory/", customers.customer_memory_panels, name="memory"),
    path("<int:pk>/memories/delete/", customers.forget_memory, name="forget_memory"),
    path("<int:pk>/memories/correct/", customers.correct_memory, name="correct_memory"),
]
