from django.urls import path

from customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/memories/delete/", views.forget_memory, name="forget_memory"),
    path("<int:pk>/memories/correct/", views.correct_memory, name="correct_memory"),
]
