"""Run a command, then print its wall seconds (`wall_s=X`, timed here around the child alone:
this wrapper's own interpreter start is not in it) and its peak resident memory (`peak_kib=N`)
on stderr, one per line."""

import resource
import subprocess
import sys
import time

start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"wall_s={wall!r}\npeak_kib={peak}\n")
sys.exit(code)
