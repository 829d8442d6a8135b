"""``python -m topdesk_preflight``."""

import sys

from topdesk_preflight.cli import main

if __name__ == "__main__":
    sys.exit(main())
