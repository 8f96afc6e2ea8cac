"""``python -m mcreport``: rewrite data/datapackage.json from data/resources/*.yaml and validate."""

import sys

from . import datapackage

if __name__ == "__main__":
    path = datapackage.write()
    problems = datapackage.validate()
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    print(f"wrote {path}; {len(datapackage.read()['resources'])} resources, "
          f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
