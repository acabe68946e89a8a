"""descriptors"""
