from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.discussion, name="discussion"),
    path("articles/<slug:slug>/comments/post/", views.post, name="post"),
    path("comments/<int:pk>/", views.detail, name="detail"),
    path("comments/<int:pk>/replies/", views.more_replies, name="more_replies"),
    path("comments/<int:pk>/reply/", views.reply, name="reply"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/delete/", views.delete, name="delete"),
    path("comments/<int:pk>/like/", views.like, name="like"),
    path("comments/<int:pk>/report/", views.report, name="report"),
    path("comments/<int:pk>/pick/", views.pick, name="pick"),
]
