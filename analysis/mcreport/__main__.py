"""``python -m mcreport``: rewrite data/datapackage.json from data/resources/*.yaml and the files,
then check every input of the book (:mod:`mcreport.checks`).

``python -m mcreport check``: check only, writing nothing (what the build does first)."""

import sys

from . import checks, datapackage

if __name__ == "__main__":
    args = sys.argv[1:]
    if args not in ([], ["check"]):
        sys.exit("usage: python -m mcreport [check]")
    if not args:
        try:
            print(f"wrote {datapackage.write()}")
        except datapackage.DataPackageError:
            pass  # the checks below name each problem
    count = checks.report()
    print(f"{count} problem(s)")
    sys.exit(1 if count else 0)
