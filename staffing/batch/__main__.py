"""``python -m staffing.batch INPUT_DIR -o OUT_DIR``: the batch without the console script."""

import sys

from staffing.batch.cli import main

if __name__ == "__main__":
    sys.exit(main())
