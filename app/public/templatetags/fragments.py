"""``{% per_language %}…{% endper_language %}``: see app/public/fragments.py."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, TextNode, Variable
from django.template.defaulttags import CommentNode, LoadNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode

from app.public import fragments, render

register = template.Library()

# The variable a fragment may read: it is part of the fragment's key.
ALLOWED_VARIABLES = {"LANGUAGE_CODE"}


def _constant(expression: FilterExpression | None) -> bool:
    """A literal ('public:home', "Menu") without filters, or the language."""
    if expression is None:
        return True
    if expression.filters:
        return False
    var = expression.var
    if not isinstance(var, Variable):
        return True  # a literal string
    return var.literal is not None or var.var in ALLOWED_VARIABLES


def _check(nodelist: NodeList, token: template.base.Token) -> None:
    for node in nodelist:
        if isinstance(node, TextNode | CommentNode | LoadNode):
            continue
        if isinstance(node, TranslateNode):
            ok = node.asvar is None and _constant(node.filter_expression)
        elif isinstance(node, URLNode):
            ok = (
                node.asvar is None
                and _constant(node.view_name)
                and all(_constant(arg) for arg in node.args)
                and all(_constant(arg) for arg in node.kwargs.values())
            )
        elif isinstance(node, StaticNode):
            ok = node.varname is None and _constant(node.path)
        elif type(node).__name__ == "VariableNode":
            ok = _constant(node.filter_expression)  # type: ignore[attr-defined]
        else:
            ok = False
        if not ok:
            raise template.TemplateSyntaxError(
                f"{{% per_language %}} (line {token.lineno}) may only hold text and "
                f"{{% translate %}}, {{% url %}} and {{% static %}} with literal arguments, "
                f"not {type(node).__name__}: its text is shared by every reader of a language."
            )


class PerLanguageNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.fragment_id = fragments.new_id()

    def render(self, context: Any) -> str:
        return fragments.fragment(
            self.fragment_id, lambda: self.nodelist.render(context), context.render_context
        )


@register.tag
def per_language(parser: template.base.Parser, token: template.base.Token) -> PerLanguageNode:
    """Render the content once per language (and script prefix) in this process."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% per_language %} takes no arguments")
    if any(command == "language" for command, *_rest in parser.command_stack):
        # The language read once per template render would be the one outside it.
        raise template.TemplateSyntaxError(
            f"{{% per_language %}} (line {token.lineno}) may not be inside {{% language %}}"
        )
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    _check(nodelist, token)
    return PerLanguageNode(nodelist)


@register.simple_tag
def fast_url(name: str, *args: object) -> str:
    """``{% url name arg %}`` for literal names and simple arguments (a slug, a key),
    from the address pattern resolved once per language (`render.fast_reverse`):
    reversing through the URLconf was the dearest tag of the claim page's includes."""
    return render.fast_reverse(name, *args)
