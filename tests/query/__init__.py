"""Tests of ashen.query."""
