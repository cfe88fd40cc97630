//! Twisted's `test_threads.py`: calls between threads and the reactor, and the thread pool.
