"""The docs samples' count and the list of those not run, in pytest's closing summary."""

from __future__ import annotations

import pytest

from tests.docs.test_samples import DOCS, listing


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_sep("-", "docs samples")
    for line in listing(DOCS):
        terminalreporter.write_line(line)
