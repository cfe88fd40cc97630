//! Twisted's system event and lifecycle tests from `test_internet.py`.
