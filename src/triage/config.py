"""YAML configuration: shipped defaults, user overrides, and errors that name file, line and key."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from triage.errors import ConfigError

ENV_CONFIG = "TRIAGE_CONFIG"
# libyaml's parser when PyYAML was built with it (several times faster), else the pure-Python one.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
M = TypeVar("M", bound=BaseModel)


# A weight or threshold beyond this overflows scores to infinity, which JSON cannot write (the
# message in StrictModel._bounded spells it out).
MAX_NUMBER = 1e6


class StrictModel(BaseModel):
    """Base of every YAML-backed model: an unknown key is an error, not silently ignored; numbers
    are finite and at most MAX_NUMBER either way (in lists and mappings too)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        if isinstance(value, str) or (isinstance(value, list) and value and isinstance(value[0], str)):
            return value  # words and phrases, the common case: no number to check
        numbers = (
            value.values() if isinstance(value, dict) else value if isinstance(value, list) else (value,)
        )
        for number in numbers:
            if isinstance(number, float | int) and not isinstance(number, bool) and abs(number) > MAX_NUMBER:
                raise ValueError(f"{number:g} is too large; give a number between -1e6 and 1e6")
        return value


def shipped_dir(name: str) -> Path:
    """A folder of the package's own files: inside an installed wheel, else the source checkout."""
    installed = Path(__file__).parent / name
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / name


def sample_dump() -> Path:
    """The bundled sample dump (a saved Hugging Face papers page, 122 papers)."""
    return shipped_dir("data") / "hf-papers-sample.txt"


@dataclass(frozen=True)
class ConfigDirs:
    """Where YAML is looked up: the user's folder first (if any), then the shipped defaults."""

    user: Path | None = None

    @classmethod
    def from_env(cls, user: str | Path | None = None) -> ConfigDirs:
        chosen = user if user is not None else os.environ.get(ENV_CONFIG) or None
        if chosen is not None and not Path(chosen).is_dir():
            raise ConfigError(f"config folder {chosen} does not exist: create it or fix --config")
        return cls(Path(chosen) if chosen is not None else None)

    def find(self, filename: str) -> Path:
        if self.user is not None and (self.user / filename).is_file():
            return self.user / filename
        return shipped_dir("configs") / filename

    def default(self, filename: str) -> Path:
        return shipped_dir("configs") / filename


def read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into data and its node tree (kept to map errors back to lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ConfigError(f"{path}:{line}: invalid YAML: {exc.problem}") from exc
    finally:
        loader.dispose()
    return data, node


def line_of(node: yaml.Node | None, loc: Sequence[int | str], at_key: bool = False) -> int:
    """The 1-based line that `loc` (a pydantic error location) reaches: the value's line, or
    with `at_key` the line of the last key itself (where an unknown key is written)."""
    line = node.start_mark.line + 1 if node is not None else 0
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if k.value == key]
            if not pairs:
                return line
            key_node, node = pairs[0]
            line = (key_node if at_key else node).start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


def format_loc(loc: Sequence[int | str]) -> str:
    """`("rules", 3, "any")` -> `rules[3].any`."""
    out = ""
    for key in loc:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def config_error(exc: ValidationError, path: Path, node: yaml.Node | None) -> ConfigError:
    """The first validation error as one line: file:line, the key's path, and what to fix."""
    err = exc.errors()[0]
    loc = [part for part in err["loc"] if isinstance(part, int | str)]
    unknown = err["type"] == "extra_forbidden"
    what = "unknown key (check the spelling)" if unknown else err["msg"].removeprefix("Value error, ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    where = format_loc(loc) or "top level"
    return ConfigError(f"{path}:{line_of(node, loc, at_key=unknown)}: {where}: {what}{more}")


def validate(model: type[M], data: Any, path: Path, node: yaml.Node | None) -> M:
    """Validate YAML data against a model; an error names file:line, key and the fix."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise config_error(exc, path, node) from exc


def load_model(model: type[M], path: Path) -> M:
    data, node = read_yaml(path)
    return validate(model, data, path, node)
