import sys

from rnnplay.cli import main

sys.exit(main())
