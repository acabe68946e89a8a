"""The code samples of the documentation site (docs/**/*.md): each fenced block with its language,
its page and what the comment before it says (docs/index.md, "The samples on these pages"):

* ``<!-- not-run: REASON -->``: not run (an AWS account, a chat service); counted and listed.
* ``<!-- file: NAME -->``: written to NAME in the page's folder for the blocks after it.

Anything else in a runnable language runs: sh/bash with ``bash -eo pipefail``, js with ``node`` (as
an ES module), python with this interpreter. Blocks in the output languages (text, json...) are
shown answers, not samples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

RUNNERS = {"sh": "bash", "bash": "bash", "js": "node", "javascript": "node", "python": "python", "py": "python"}
SHOWN = {"", "text", "json", "console", "yaml", "toml", "http", "html"}  # answers and files shown, never run
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
MARK = re.compile(r"<!--\s*(?P<kind>not-run|file):\s*(?P<value>.+?)\s*-->\s*$")


@dataclass(frozen=True)
class Sample:
    page: str  # relative to docs/
    line: int
    lang: str
    code: str
    not_run: str | None = None  # the reason given
    file: str | None = None  # written there instead of run

    @property
    def runner(self) -> str | None:
        return RUNNERS.get(self.lang)

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def samples_of(docs: Path, page: Path) -> list[Sample]:
    """The fenced blocks of ``page``, in order, with the mark on the line before each."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = MARK.search(before)
        kind, value = (mark["kind"], mark["value"]) if mark else (None, None)
        indent = match["indent"]
        code = "\n".join(line.removeprefix(indent) for line in match["code"].splitlines()) + "\n"
        found.append(
            Sample(
                page=page.relative_to(docs).as_posix(),
                line=text.count("\n", 0, match.start()) + 1,
                lang=match["lang"].lower(),
                code=code,
                not_run=value if kind == "not-run" else None,
                file=value if kind == "file" else None,
            )
        )
    return found


def all_samples(docs: Path) -> list[Sample]:
    return [sample for page in sorted(docs.rglob("*.md")) for sample in samples_of(docs, page)]
