"""The Jinja setup of the fleet's pages, in one place: the summary, its changes section, the history timeline.

Each page was given its own copy of the same environment, and the copies would
drift: one without ``StrictUndefined`` prints nothing where a misspelt name
should fail a test, one without autoescaping lets a tenant's name write markup.
So every fleet page is drawn by :func:`template` (a file under ``templates/``,
read from the installed package) or :func:`from_source` (a fragment kept beside
the code that fills it), both from :func:`environment`. Imported on first use
only: ``--help`` should not pay for jinja2.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import jinja2


@functools.lru_cache(maxsize=1)
def environment() -> "jinja2.Environment":
    """Autoescaping on, undefined names an error, block tags leave no blank lines behind."""
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


@functools.lru_cache(maxsize=None)
def template(resource: str) -> "jinja2.Template":
    """The template file ``resource`` (``templates/fleet.html.j2``) of the installed reports package, parsed once."""
    from importlib.resources import files

    source = files("topdesk_preflight.reports").joinpath(resource).read_text(encoding="utf-8")
    return environment().from_string(source)


@functools.lru_cache(maxsize=None)
def from_source(source: str) -> "jinja2.Template":
    """A fragment's template, parsed once."""
    return environment().from_string(source)
