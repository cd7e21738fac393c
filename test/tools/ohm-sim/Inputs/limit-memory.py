"""Runs a command under a process memory limit: limit-memory.py BYTES CMD...

Sets RLIMIT_DATA (private writable memory, which every heap allocation
counts against) to BYTES, then executes CMD, as `ulimit -d` would; the
tools read the limit back (ohmrt::getMemoryLimit) and must report that it
is too low, not abort on a failed allocation.
"""
import os
import resource
import sys

limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
os.execvp(sys.argv[2], sys.argv[2:])
