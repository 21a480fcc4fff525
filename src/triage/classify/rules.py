"""The rule schema of `taxonomy.yaml` (validated, extra keys refused) and loading with user overrides.

A user's `taxonomy.yaml` extends the shipped one by default: its facets and tags are merged in
by id (a tag given again replaces the shipped tag), so adding a tag takes a few lines of YAML.
`extends: none` starts from an empty taxonomy instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any, Literal

import pydantic
import re2
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from triage import __version__, config
from triage.config import ConfigDirs, StrictModel, config_error, read_yaml, validate
from triage.errors import ConfigError

FieldName = Literal["title", "abstract", "comments"]
MODEL_FILE = r"[\w.-]+\.ya?ml"  # a learned-weights file, named under a facet as `model:`
_ID = r"^[a-z0-9][a-z0-9_.-]*$"


_QUIET = re2.Options()
_QUIET.log_errors = False  # report through ConfigError, not RE2's own stderr logging


def check_patterns(patterns: list[str], re2_too: bool) -> list[str]:
    """Every pattern compiles (in RE2 as well when it goes into the matching set)."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        if not re2_too:
            continue
        try:
            re2.compile(pattern, _QUIET)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise ValueError(
                f"regular expression {pattern!r} is not RE2 syntax ({reason}); lookarounds and "
                "backreferences are not supported: use `unless` for negative context"
            ) from exc
    return patterns


class Rule(StrictModel):
    """Phrases, acronyms or patterns that count towards a tag, with a weight and negative context."""

    id: str = Field(pattern=_ID)
    phrases: list[str] = []
    acronyms: list[str] = []
    patterns: list[str] = []
    weight: float = 1.0
    fields: list[FieldName] = ["title", "abstract", "comments"]
    unless: list[str] = []
    window: int = Field(default=0, ge=0, le=200)

    _patterns_ok = field_validator("patterns")(lambda cls, v: check_patterns(v, re2_too=True))

    @field_validator("phrases", "acronyms", "unless")
    @classmethod
    def _words(cls, items: list[str]) -> list[str]:
        for item in items:
            if not any(ch.isalnum() for ch in item):
                raise ValueError(f"{item!r} has no letter or digit; write at least one")
            for word in item.replace("-", " ").split():
                if "*" in word.rstrip("*") or word.rstrip("*") == "" or word.count("*") > 1:
                    raise ValueError(
                        f"{item!r}: `*` may only end a word, after at least one letter "
                        "(`quantiz*` matches quantized, quantization); use `patterns:` for more"
                    )
        return items

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if not (self.phrases or self.acronyms or self.patterns):
            raise ValueError("a rule needs at least one of phrases, acronyms or patterns")
        return self


class TagDef(StrictModel):
    description: str = ""
    group: str | None = None
    threshold: float | None = None
    suppresses: list[str] = []
    # `facet:tag`s of other facets: when no tag of this tag's facet fired, a paper with one of them
    # fired gets this tag (instead of the facet's fallback, if any): `language` for an LLM paper
    # with no other domain. It does not chain: a tag named there fires by its own rules or not at all
    # (one a user's file leaves without rules never does).
    fallback_if: list[str] = []
    rules: list[Rule] = []


class FacetDef(StrictModel):
    description: str = ""
    multiple: bool = True
    fallback: str | None = None
    threshold: float = 2.0
    tags: dict[str, TagDef] = {}
    # A file of learned weights (`triage rules learn`) in the config folder that decides this
    # facet's tags from its words and the rules' scores (see triage.classify.model).
    model: str | None = Field(default=None, pattern=f"^{MODEL_FILE}$")

    def threshold_of(self, tag: str) -> float:
        """The tag's own threshold, else the facet's."""
        own = self.tags[tag].threshold
        return own if own is not None else self.threshold

    @model_validator(mode="after")
    def _fallback_known(self) -> FacetDef:
        if self.fallback is not None and self.fallback not in self.tags:
            raise ValueError(f"fallback {self.fallback!r} is not one of this facet's tags")
        return self


class Weights(StrictModel):
    title: float = 3.0
    claim: float = 1.5
    abstract: float = 1.0
    comments: float = 1.0


class CodeRules(StrictModel):
    """How code availability is read from links and statements (facet `code`, exactly one value)."""

    repo_hosts: list[str] = []
    ignore_hosts: list[str] = []
    available: list[str] = []
    promised: list[str] = []
    # Says the artifacts cannot be had ("the model nor its weights are accessible"): an availability
    # statement in the same sentence does not count.
    denied: list[str] = []
    project_statement: list[str] = []

    _hosts_ok = field_validator("repo_hosts", "ignore_hosts")(lambda cls, v: check_patterns(v, re2_too=False))
    _statements_ok = field_validator("available", "promised", "denied", "project_statement")(
        lambda cls, v: check_patterns(v, re2_too=True)
    )


class Taxonomy(StrictModel):
    version: int = 1
    extends: Literal["default", "none"] = "default"
    weights: Weights = Weights()
    claim_cues: list[str] = []
    # Inside a claim sentence, from one of these to the next comma the words are about other
    # work ("unlike CNNs, we ...", "outperforms LSTMs") and get no claim weight.
    aside_cues: list[str] = [
        "unlike",
        "compared to",
        "compared with",
        "in contrast to",
        "rather than",
        "instead of",
        "outperform*",
        "surpass*",
        "such as",
        "e.g",
        "whereas",
    ]
    facets: dict[str, FacetDef] = {}
    code: CodeRules = CodeRules()

    def fingerprint(self) -> str:
        """A short hash of the effective rules, stored with every paper (`rules_version`) so a user
        can tell which rules tagged it; `retag` re-applies the current rules to every paper."""
        # Defaults left out: a new optional key with its default does not change the hash.
        return hashlib.sha256(self.model_dump_json(exclude_defaults=True).encode()).hexdigest()[:12]

    @model_validator(mode="after")
    def _unique_rule_ids(self) -> Taxonomy:
        if "code" in self.facets:
            raise ValueError(
                "`code` is the built-in code-availability facet (see `code:`); name yours otherwise"
            )
        for facet, fdef in self.facets.items():
            for tag, tdef in fdef.tags.items():
                ids = [r.id for r in tdef.rules]
                dupes = {i for i in ids if ids.count(i) > 1}
                if dupes:
                    raise ValueError(f"{facet}:{tag} repeats rule id {sorted(dupes)[0]!r}")
                for other in tdef.fallback_if:
                    other_facet, _, other_tag = other.partition(":")
                    known = self.facets.get(other_facet)
                    if other_facet == facet or known is None or other_tag not in known.tags:
                        raise ValueError(
                            f"{facet}:{tag}: fallback_if {other!r} is not a tag of another facet "
                            "(write facet:tag, e.g. method:llm)"
                        )
        return self


def _merge(base: Any, over: Any, depth: int = 0) -> Any:
    """Overlay user YAML on the shipped YAML: maps merge down to tags, a tag given again replaces."""
    if not isinstance(base, dict) or not isinstance(over, dict):
        return over
    merged = dict(base)
    for key, value in over.items():
        # depth 3 is facets.<facet>.tags.<tag>: a user's tag replaces the shipped one whole.
        replace_whole = depth >= 3
        merged[key] = value if replace_whole or key not in base else _merge(base[key], value, depth + 1)
    return merged


def _owner(
    loc: list[int | str],
    user: tuple[Path, yaml.Node | None] | None,
    shipped: tuple[Path, yaml.Node | None],
) -> tuple[Path, yaml.Node | None]:
    """The file an error location points into: the user's when the key is written there."""
    if user is None:
        return shipped
    node = user[1]
    for key in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        found = [v for k, v in node.value if k.value == key]
        if not found:
            return shipped
        node = found[0]
    return user


def load_taxonomy(dirs: ConfigDirs) -> Taxonomy:
    """The effective taxonomy: shipped defaults, overlaid by the user's file when there is one.

    Reading and validating the YAML (every user regex compiled twice to check it) takes about
    50 ms, a sixth of a `triage list`: the validated taxonomy is kept in the user's cache folder,
    under a hash of its files and of the code that reads them, and read back from there (1 ms)."""
    sources = [dirs.default("taxonomy.yaml"), dirs.find("taxonomy.yaml")]
    cache: Path | None = None
    try:
        cache = _cache_file(sources)
        with cache.open("rb") as handle:
            cached = pickle.load(handle)
        if isinstance(cached, Taxonomy):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # no cache yet, or one this version cannot read: load the YAML
    taxonomy = _load_yaml(dirs)
    if cache is not None:
        with contextlib.suppress(OSError):  # a read-only home only costs the time
            _write_cache(cache, taxonomy)
    return taxonomy


def _cache_file(sources: list[Path]) -> Path:
    """Where the validated taxonomy of these files is kept: named by a hash of their paths and
    bytes, triage's version and the code that validates them, and pydantic's version."""
    digest = hashlib.sha256(f"{__version__} {pydantic.VERSION}".encode())
    for path in [Path(__file__), Path(config.__file__), *sources]:
        digest.update(f"{path}\0".encode())
        digest.update(path.read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "triage" / f"taxonomy-{digest.hexdigest()[:32]}.pickle"


def _write_cache(cache: Path, taxonomy: Taxonomy) -> None:
    """Write atomically (a concurrent run reads a whole file or none), dropping older entries."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    for old in cache.parent.glob("taxonomy-*.pickle"):
        with contextlib.suppress(OSError):
            old.unlink()
    fd, tmp = tempfile.mkstemp(prefix=".taxonomy-", dir=cache.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(taxonomy, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _load_yaml(dirs: ConfigDirs) -> Taxonomy:
    shipped_path = dirs.default("taxonomy.yaml")
    data, node = read_yaml(shipped_path)
    user_path = dirs.find("taxonomy.yaml")
    if user_path == shipped_path:
        return validate(Taxonomy, data, shipped_path, node)
    user_data, user_node = read_yaml(user_path)
    if user_data is not None and not isinstance(user_data, dict):
        raise ConfigError(f"{user_path}:1: top level: expected a mapping of keys")
    user_data = user_data or {}
    merged = user_data if user_data.get("extends") == "none" else _merge(data, user_data)
    try:
        return Taxonomy.model_validate(merged)
    except ValidationError as exc:
        loc = [p for p in exc.errors()[0]["loc"] if isinstance(p, int | str)]
        path, where = _owner(loc, (user_path, user_node), (shipped_path, node))
        raise config_error(exc, path, where) from exc
