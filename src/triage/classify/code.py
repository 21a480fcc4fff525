"""Code availability: exactly one of available / promised / project-page / none, with the links."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from triage.classify.rules import CodeRules
from triage.models import Evidence, Paper
from triage.text import extract_urls

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.I)
_SCHEME = re.compile(r"^https?://", re.I)
_PAGE_WORDS = re.compile(r"\b(project|page|website|homepage|demo|code|github|site|repository)\b", re.I)
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([^/?#:]+)", re.I)
_SCHEME_WWW = re.compile(r"^(?:https?://)?(?:www\.)?", re.I)
_WEB_LINK = re.compile(r"https?://\S+$", re.I)


@dataclass
class CodeFinding:
    status: str = "none"
    code_url: str | None = None
    project_url: str | None = None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class CodeLinks:
    """Compiled host rules: which URLs are code repositories, which to ignore, the rest are pages."""

    repo: re.Pattern[str]
    ignore: re.Pattern[str]

    @classmethod
    def from_rules(cls, rules: CodeRules) -> CodeLinks:
        def any_of(items: list[str]) -> re.Pattern[str]:
            return re.compile("|".join(f"(?:{i})" for i in items) or r"(?!)", re.I)

        return cls(any_of(rules.repo_hosts), any_of(rules.ignore_hosts))

    def split(self, urls: list[str]) -> tuple[list[str], list[str]]:
        """(repository URLs, project-page URLs), each in order of appearance."""
        repos: list[str] = []
        pages: list[str] = []
        for url in urls:
            bare = _SCHEME_WWW.sub("", url)
            if self.ignore.match(bare):
                continue
            (repos if self.repo.match(bare) else pages).append(url)
        return repos, pages


def _structured(paper: Paper, links: CodeLinks, text_repos: list[str]) -> tuple[str | None, str, str | None]:
    """The structured repository link, the field it came from, and the project page. A
    `projectPage` that is a repository (a Hugging Face dataset, a GitHub repo) counts as one
    when the text links no repository of its own."""
    repo = _web_link(paper.extra.get("githubRepo"))
    page = _web_link(paper.extra.get("projectPage"))
    if repo is None and page is not None and not text_repos and links.split([page])[0]:
        return page, "projectPage", None
    return repo, "githubRepo", page


def _split_urls(paper: Paper, links: CodeLinks) -> tuple[list[str], list[str]]:
    """Repository and page URLs of the paper, then of its comments field, which arXiv keeps apart
    from the abstract ("Code: https://github.com/...", "Project page: https://..."). A page link
    in the comments counts only when the comment says what it is, or is nothing but the link: old
    comments also point at annual reports, slides and journal pages."""
    repos, pages = links.split(paper.urls)
    comments = paper.extra.get("comments")
    if isinstance(comments, str) and ("://" in comments or "www." in comments):
        more_repos, more_pages = links.split(extract_urls(comments))
        repos += [u for u in more_repos if u not in repos]
        words = _LINK.sub(" ", comments)
        if _PAGE_WORDS.search(words) or not words.strip(" .;,()[]"):
            pages += [u for u in more_pages if u not in pages]
    return repos, pages


def _place(paper: Paper, url: str) -> tuple[str, int] | None:
    """The field and offset where a link is written (a bare `www.` link is found without the
    scheme the URL extractor gave it)."""
    bare = _SCHEME.sub("", url)
    for name in ("abstract", "comments"):
        text = paper.abstract if name == "abstract" else paper.extra.get("comments")
        if isinstance(text, str):
            at = text.find(url)
            if at < 0:
                at = text.find(bare)
            if at >= 0:
                return name, at
    return None


def _ends_inside(a: Evidence, b: Evidence) -> bool:
    """Whether match `a` ends inside match `b` (where a statement's verb is)."""
    return a.field == b.field and b.offset < a.offset + len(a.text) <= b.offset + len(b.text)


def _web_link(value: object) -> str | None:
    """An http(s) link from a structured field; anything else (javascript:, file:) is ignored."""
    if isinstance(value, str) and _WEB_LINK.match(value.strip()):
        return value.strip()
    return None


def decide_code(
    paper: Paper,
    links: CodeLinks,
    statements: dict[str, list[Evidence]],
    sentence: Callable[[str, int], int],
) -> CodeFinding:
    """Structured fields first, then statements and links.

    A promise ("will be released", "upon acceptance") wins unless code is already there: a repo
    link or an availability statement in a sentence other than the promise's. Without either, a
    project-page link (or a "project page: site.github.io" statement) gives project-page.
    """
    repos, pages = _split_urls(paper, links)
    repo_field, repo_key, page_field = _structured(paper, links, repos)
    found = CodeFinding(
        code_url=repo_field or (repos[0] if repos else None),
        project_url=page_field or (pages[0] if pages else None),
    )
    available, promised = statements.get("available", []), statements.get("promised", [])
    if repo_field:
        found.status = "available"
        found.evidence = [
            Evidence(
                rule=f"code:structured/{repo_key}",
                text=repo_field,
                field=repo_key,
                offset=0,
                weight=1.0,
            )
        ]
        return found
    denied = statements.get("denied", [])
    # A promise about something else ("the final version will be available") is none.
    promised = [e for e in promised if not any(_ends_inside(e, d) for d in denied)]
    promise_sentences = {(e.field, sentence(e.field, e.offset)) for e in promised}
    # An availability statement inside a promise's sentence ("will be available at ...") is the
    # promise; one whose verb a denial holds ("neither the model nor its data is accessible") is no
    # statement ("prior code is not released, our code is available" keeps its second clause).
    available = [
        e
        for e in available
        if (e.field, sentence(e.field, e.offset)) not in promise_sentences
        and not any(_ends_inside(e, d) for d in denied)
    ]
    place = _place(paper, found.code_url) if found.code_url else None
    repo_sentence = (place[0], sentence(*place)) if place else None
    if promised and (repo_sentence in promise_sentences or not (repos or available)):
        found.status, found.evidence = "promised", promised
    elif repos or available:
        found.status = "available"
        found.evidence = available + [
            Evidence(rule="code:link/repository", text=url, field="urls", offset=i, weight=1.0)
            for i, url in enumerate(repos[:1])
        ]
    elif found.project_url:
        found.status = "project-page"
        found.evidence = [
            Evidence(
                rule="code:link/project-page", text=found.project_url, field="urls", offset=0, weight=1.0
            )
        ]
    elif statements.get("project"):
        # "Project page: name.github.io" written without a scheme, so not among the paper's URLs.
        found.status, found.evidence = "project-page", statements["project"]
    return found
