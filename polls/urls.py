from django.urls import path

from polls import views

app_name = "polls"

urlpatterns = [
    path("polls/<int:poll_id>/", views.poll_fragment, name="poll"),
    path("polls/<int:poll_id>/vote/", views.vote, name="vote"),
    path("polls/<int:poll_id>/withdraw/", views.withdraw, name="withdraw"),
    path("polls/<int:poll_id>/propose/", views.propose, name="propose"),
]
