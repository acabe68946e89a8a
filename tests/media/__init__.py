"""Tests of ashen.media."""
