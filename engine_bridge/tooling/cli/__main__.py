import sys

from engine_bridge.tooling.cli import main

sys.exit(main())
