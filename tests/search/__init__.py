"""Tests of ashen.search."""
