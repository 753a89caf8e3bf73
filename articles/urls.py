from django.urls import path

from articles import feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("feeds/latest.atom", feeds.LatestArticlesAtom(), name="feed-atom"),
    path("feeds/latest.rss", feeds.LatestArticles(), name="feed-rss"),
    path("stories/<slug:slug>/", views.story_detail, name="story"),
    path("stories/<slug:slug>/feed.atom", feeds.StoryArticlesAtom(), name="story-atom"),
    path("stories/<slug:slug>/feed.rss", feeds.StoryArticles(), name="story-rss"),
    # The story feeds' first addresses, still followed by feed readers that subscribed there.
    path("articles/<slug:slug>/story.atom", feeds.StoryArticlesAtom(), name="article-story-atom"),
    path("articles/<slug:slug>/story.rss", feeds.StoryArticles(), name="article-story-rss"),
    # A keyword may be in any script: topic slugs are not limited to ASCII (articles.topics).
    path("topics/<str:slug>/", views.topic_detail, name="topic"),
    path("topics/<str:slug>/feed.atom", feeds.TopicArticlesAtom(), name="topic-atom"),
    path("topics/<str:slug>/feed.rss", feeds.TopicArticles(), name="topic-rss"),
    path("articles/<slug:slug>/follow/", views.follow_story, name="follow"),
    path("unfollow/<str:token>/", views.unfollow_by_email, name="unfollow"),
    path("articles/<slug:slug>/events/", views.article_events, name="events"),
    path("articles/<slug:slug>/updates/", views.article_updates, name="updates"),
]
