"""The editor tests use the people of tests/conftest.py (alice, bob, carol, pat ...)."""
