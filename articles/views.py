from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render

from articles.models import Article, Block, Section

ARTICLES_PER_PAGE = 20


def article_list(request):
    articles = (
        Article.objects.published()
        .annotate(question_count=Count("polls"))
        .order_by("-published_at", "-pk")
        .only("title", "slug", "lead", "published_at", "comment_count", "vote_count")
    )
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "articles/list.html", {"page": page, "articles": page.object_list})


def article_detail(request, slug):
    sections = Section.objects.prefetch_related(
        Prefetch(
            "blocks",
            queryset=Block.objects.select_related("poll").prefetch_related("poll__choices"),
        )
    )
    article = get_object_or_404(
        Article.objects.visible_to(request.user).prefetch_related(
            Prefetch("sections", queryset=sections)
        ),
        slug=slug,
    )
    all_sections = list(article.sections.all())
    lead = all_sections[0] if all_sections and not all_sections[0].title else None
    body_sections = all_sections[1:] if lead else all_sections
    context = {
        "article": article,
        "lead": lead,
        "sections": body_sections,
        "toc": table_of_contents(body_sections),
        "question_count": sum(
            block.kind == Block.Kind.QUESTION
            for section in all_sections
            for block in section.blocks.all()
        ),
        "canonical_url": request.build_absolute_uri(article.get_absolute_url()),
    }
    return render(request, "articles/detail.html", context)


def table_of_contents(sections):
    """Top-level sections, each with the deeper sections that follow it."""
    toc = []
    for section in sections:
        if toc and section.heading_level > toc[-1]["section"].heading_level:
            toc[-1]["children"].append(section)
        else:
            toc.append({"section": section, "children": []})
    return toc
