"""Tests of ashen.descriptors."""
