"""Run a command, then print its peak resident memory (KiB) on stderr as `peak_kib=N`."""

import resource
import subprocess
import sys

code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"peak_kib={peak}\n")
sys.exit(code)
