"""MkDocs hooks (mkdocs.yml ``hooks:``): the repository's CHANGELOG.md as a page of the site, so that
the pages' links to ``../CHANGELOG.md`` (right when read in the repository) resolve on the site too."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = "changelog.md"


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, CHANGELOG, abs_src_path=str(ROOT / "CHANGELOG.md")))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """``](../CHANGELOG.md)`` (one ``../`` more than the page's depth) becomes a link to the page; the
    changelog's own links to ``docs/X.md`` become links to the page X."""
    if page.file.src_uri == CHANGELOG:
        return re.sub(r"\]\(docs/", "](", markdown)
    depth = page.file.src_uri.count("/")
    outside = re.escape("../" * (depth + 1) + "CHANGELOG.md")
    return re.sub(rf"\]\({outside}(#[^)]*)?\)", lambda m: f"]({'../' * depth}{CHANGELOG}{m[1] or ''})", markdown)
