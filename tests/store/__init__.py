"""Tests of ashen.store."""
