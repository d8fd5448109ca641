"""A server's content rules on prompts: blocked words (whole words, any case) or regular expressions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from db.models import ContentRule

PATTERN_MAX = 200  # characters in one rule


class BadRuleError(ValueError):
    """A rule that can't be used (not a valid regular expression, or too long)."""


def compile_rule(rule: ContentRule) -> re.Pattern[str]:
    """Return the rule as a case-insensitive pattern; a plain word matches as a whole word."""
    if len(rule.pattern) > PATTERN_MAX:
        raise BadRuleError(f"A rule can be at most {PATTERN_MAX} characters.")
    source = rule.pattern if rule.is_regex else rf"(?<!\w){re.escape(rule.pattern)}(?!\w)"
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as exc:
        raise BadRuleError(f"That isn't a valid regular expression ({exc.msg}).") from exc


def blocked(texts: Iterable[str], rules: Iterable[ContentRule]) -> bool:
    """Return True when any rule matches any of the texts (rules that no longer compile are skipped)."""
    patterns = []
    for rule in rules:
        try:
            patterns.append(compile_rule(rule))
        except BadRuleError:
            continue
    return any(pattern.search(text) for pattern in patterns for text in texts)
