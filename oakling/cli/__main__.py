"""`python -m oakling.cli …` is the `oakling` command."""
import sys

from . import main

sys.exit(main())
