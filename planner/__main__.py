import sys

try:
    from planner.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing: no traceback
    sys.stderr.write("interrupted; earlier results are untouched\n")
    sys.exit(130)

main()
