"""Numbers as the reader writes them: a French or German customer reads
98,99 % where the engine computes 98.99.

The engine's formatting (sla_math.format_rate, credit_math.format_percent)
stays language-free and decides the digits (cut, never rounded, across a
band boundary); these helpers only swap the decimal separator for the one of
the environment's language, without grouping thousands, so that English
output is the engine's own.
"""

from ..engine import sla_math


def decimal_point(env):
    lang = env["res.lang"]._get_data(code=env.lang or "en_US")
    return lang.decimal_point or "."


def localize(env, text):
    """``text``, a number the engine formatted, with the language's decimal
    separator."""
    if not text:
        return text
    point = decimal_point(env)
    return text if point == "." else text.replace(".", point)


def fixed(env, value, places):
    """``value`` rounded to ``places`` decimals, as the language writes it."""
    return localize(env, f"{value:.{places}f}")


def rate(env, value, places=2):
    """A compliance rate, cut as sla_math.format_rate cuts it."""
    return localize(env, sla_math.format_rate(value, places))
