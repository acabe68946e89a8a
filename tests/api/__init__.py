"""Tests of ashen.api."""
