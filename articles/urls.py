from django.urls import path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("feeds/latest.atom", feeds.LatestArticlesAtom(), name="feed-atom"),
    path("feeds/latest.rss", feeds.LatestArticles(), name="feed-rss"),
    path("articles/<slug:slug>/story.atom", feeds.StoryArticlesAtom(), name="story-atom"),
    path("articles/<slug:slug>/story.rss", feeds.StoryArticles(), name="story-rss"),
    path("articles/<slug:slug>/follow/", views.follow_story, name="follow"),
    path("unfollow/<str:token>/", views.unfollow_by_email, name="unfollow"),
    path("articles/<slug:slug>/events/", views.article_events, name="events"),
    path("articles/<slug:slug>/updates/", views.article_updates, name="updates"),
]
