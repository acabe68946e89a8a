"""Tests of ashen.indexing."""
