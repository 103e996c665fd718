import os
import sys

from analytics.cli import main

code = main()
if sys.argv[1:2] == ["ingest"]:
    # The snapshot is committed and its connection closed; what is left is tearing down the
    # interpreter (numpy, pandas, pyarrow, duckdb: about 0.25 s). A daily job does not need to
    # wait for it (mypy exits the same way). Measured 04/12/2026: without it `ingest` of a
    # sample workbook took 0.10-0.13 s longer (13-16 %), benchmarks/ingest.py earlier/ours 0.89.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
