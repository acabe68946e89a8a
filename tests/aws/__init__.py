"""Tests of ashen.aws."""
