"""Layout facts of a rendered report, measured in Chromium, for the browser tests to assert on.

``PROBE_JS`` is evaluated by the debugger (``devtools.Browser.evaluate``), so the report keeps its
no-script rule and its CSP: nothing is added to the page. It returns, as JSON, what a person would
notice: elements wider than the screen or sticking out of their box, words broken across lines,
badges wrapped, key/value evidence side by side or stacked, tables that scroll and whether they show it.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Elements whose text is a code token or an id: the only text allowed to break inside a word.
BREAKABLE = "code, pre, kbd, samp, .check-id, .sha256"

#: What must never wrap at all: status badges, times, change marks, counts, a short value in a table.
NOWRAP = ".badge, .duration, .change, .cause-status, .chips li, td.num, .actor, td > .value.token"

PROBE_JS = r"""
(() => {
  const BREAKABLE = %(breakable)s, NOWRAP = %(nowrap)s;
  // A word: letters and digits, with the dots, underscores, colons, @ and apostrophes that hold names, numbers
  // and addresses together ("Borealis", "2.10", "hcp@acme.example"). A line may end at a space, a hyphen,
  // a slash or a bracket by the browser's own rules; ending inside one of these words is breaking it.
  const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}._:@']*[\p{L}\p{N}])?/gu;
  const viewport = document.documentElement.clientWidth;
  // drawn: has a box, and is not inside a closed <details> (whose content keeps boxes but is not painted)
  const shown = (el) => el.getClientRects().length > 0 && !el.closest("details:not([open]) > :not(summary)");
  const label = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const scrollerOf = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (["auto", "scroll", "hidden"].includes(style.overflowX) && a.scrollWidth > a.clientWidth + 1) return a;
    }
    return null;
  };
  // how many lines some text's boxes sit on: a new line starts where a box starts 4 px or more lower
  const lines = (rects) => [...rects].filter((r) => r.width > 0).map((r) => r.top).sort((a, b) => a - b)
    .filter((top, i, tops) => i === 0 || top - tops[i - 1] >= 4).length;
  // A word may only break when it is wider than the line it is on. In a table that line is the whole card:
  // a column too narrow for a word is a layout fault (the table should have scrolled), not a reason.
  const blockOf = (el) => {
    while (el.parentElement && getComputedStyle(el).display.startsWith("inline")) el = el.parentElement;
    return el;
  };
  const lineOf = (el) => {
    const block = blockOf(el);
    return block.closest("td, th") ? el.closest("article, section, header, footer") || document.body : block;
  };
  const contentWidth = (el) => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };

  // 1. Nothing outside a scroller is wider than the viewport or sticks out of its parent.
  let widest = {right: 0, element: ""};
  const overflowing = [], escaping = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || scrollerOf(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.right > widest.right) widest = {right: Math.round(box.right), element: label(el)};
    if (box.right > viewport + 0.5) overflowing.push(label(el));
    const parent = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && box.right > parent.right + 0.5 && box.width > 0)
      escaping.push(label(el) + " in " + label(el.parentElement));
  }

  // 2. No word broken across lines, except in code and in a run without spaces too long for its line
  //    (a query, a clipped 300-character name): such a run must break somewhere.
  const broken = [];
  const rectsOf = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return range.getClientRects();
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || !shown(parent) || parent.closest(BREAKABLE)) continue;
    for (const run of node.data.matchAll(/\S+/g)) {
      const runRects = rectsOf(node, run.index, run.index + run[0].length);
      if (lines(runRects) < 2) continue;
      const width = [...runRects].reduce((sum, r) => sum + r.width, 0);
      if (width > contentWidth(lineOf(parent)) - 1) continue;  // too long for its line: it has to break
      for (const word of run[0].matchAll(WORD)) {
        const start = run.index + word.index;
        if (lines(rectsOf(node, start, start + word[0].length)) > 1) broken.push(word[0] + " in " + label(parent));
      }
    }
  }

  // 3. Badges, times and status words sit on one line.
  const wrapped = [...document.querySelectorAll(NOWRAP)].filter(shown).filter((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return lines(range.getClientRects()) > 1;
  }).map((el) => el.textContent.trim() + " in " + label(el));

  // 4. Key/value evidence: the key above its value, or beside it.
  const kv = {stacked: 0, beside: 0};
  for (const row of document.querySelectorAll("table.kv > tbody > tr")) {
    const key = row.querySelector(":scope > th"), value = row.querySelector(":scope > td");
    if (!key || !value || !shown(row)) continue;
    const k = key.getBoundingClientRect(), v = value.getBoundingClientRect();
    kv[k.bottom <= v.top + 1 ? "stacked" : "beside"] += 1;
  }

  // 5. Wide tables scroll inside their card, with a visible cue.
  const scrollers = [...document.querySelectorAll(".table-wrap")].filter(shown).map((el) => {
    const style = getComputedStyle(el);
    return {scrolls: el.scrollWidth > el.clientWidth + 1, overflow_x: style.overflowX,
            cue: style.backgroundImage.includes("gradient") && style.backgroundAttachment.includes("local"),
            table: label(el.querySelector("table") || el)};
  });

  const count = (selector) => [...document.querySelectorAll(selector)].filter(shown).length;
  return JSON.stringify({
    viewport, scroll_width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
    widest, overflowing, escaping, broken, wrapped, kv, scrollers,
    requests_shown: count("table.requests"), checks_shown: count("article.check"),
    break_inside: [...new Set([...document.querySelectorAll("article.check, .evidence")]
      .map((el) => getComputedStyle(el).breakInside))],
  });
})()
""" % {"breakable": json.dumps(BREAKABLE), "nowrap": json.dumps(NOWRAP)}

def measure(browser: Any) -> dict[str, Any]:
    """The layout facts of the page ``browser`` has open (a ``devtools.Browser``)."""
    return json.loads(browser.evaluate(PROBE_JS))


def pdf_page_count(data: bytes) -> int:
    """Pages in a PDF: its page objects (``/Type /Page``, not the ``/Pages`` tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
