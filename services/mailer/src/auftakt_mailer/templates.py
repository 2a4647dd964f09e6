"""Sequence texts as sandboxed Jinja2 templates: checked when a sequence is saved (syntax,
unknown placeholders), compiled once, rendered per send with every placeholder filled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .domain import PLACEHOLDERS

__all__ = ["RenderedText", "TemplateProblem", "check_template", "render"]

# html bodies escape what they insert; subjects and text bodies are plain text
_HTML = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
_PLAIN = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_ALLOWED_NODES = (nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name)


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    message: str


@dataclass(frozen=True, slots=True)
class RenderedText:
    subject: str
    html: str
    text: str


def check_template(source: str, *, html: bool = False) -> TemplateProblem | None:
    """Why this text cannot be sent (bad syntax, a placeholder we cannot fill), if so."""
    environment = _HTML if html else _PLAIN
    try:
        parsed = environment.parse(source)
    except TemplateSyntaxError as exc:
        return TemplateProblem(f"Syntaxfehler in Zeile {exc.lineno}: {exc.message}")
    if any(not isinstance(node, _ALLOWED_NODES) for node in parsed.find_all(nodes.Node)):
        # plain placeholders only: expressions, conditions and includes could fail (or probe
        # the sandbox) when a mail goes out, which must never happen
        return TemplateProblem(
            "nur Platzhalter wie {{ first_name }} sind erlaubt (keine Ausdrücke, "
            "Bedingungen, Filter oder Includes)"
        )
    unknown = sorted(meta.find_undeclared_variables(parsed) - PLACEHOLDERS.keys())
    if unknown:
        names = ", ".join("{{ " + name + " }}" for name in unknown)
        allowed = ", ".join(sorted(PLACEHOLDERS))
        return TemplateProblem(f"unbekannte Platzhalter: {names} (erlaubt: {allowed})")
    return None


@lru_cache(maxsize=2048)
def _compiled(source: str, html: bool) -> Template:
    return (_HTML if html else _PLAIN).from_string(source)


def render(subject: str, html: str, text: str, values: Mapping[str, str]) -> RenderedText:
    """The three texts of a mail for one lead. Subjects lose line breaks (header safety)."""
    rendered_subject = _compiled(subject, False).render(values)
    return RenderedText(
        subject=" ".join(rendered_subject.split()),
        html=_compiled(html, True).render(values),
        text=_compiled(text, False).render(values),
    )
