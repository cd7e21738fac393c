"""limit-fsize.py KIB COMMAND...: runs COMMAND with files limited to KIB
KiB (RLIMIT_FSIZE), SIGXFSZ ignored so a write past the limit fails with
EFBIG ("File too large") as a full disk fails with ENOSPC."""
import os
import resource
import signal
import sys

limit = int(sys.argv[1]) * 1024
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
os.execvp(sys.argv[2], sys.argv[2:])
