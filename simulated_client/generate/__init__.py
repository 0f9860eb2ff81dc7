"""Faker users and groups, reproducible from a seed."""
