from django.urls import path

from tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/context/", views.context, name="context"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/suggested-reply/", views.suggested_reply, name="suggested_reply"),
]
