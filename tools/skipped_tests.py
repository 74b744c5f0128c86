#!/usr/bin/env python3
"""Lists the Java tests that were skipped in the last `mvn verify` (surefire and failsafe XML reports),
with the reason each gave, so that a run without ../shared says loudly what it did not test.

Usage: tools/skipped_tests.py [target-dir]   (prints nothing when no test was skipped; exit status 0)
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def skipped(target):
    rows = []
    for report in sorted(glob.glob(os.path.join(target, "surefire-reports", "TEST-*.xml"))
                         + glob.glob(os.path.join(target, "failsafe-reports", "TEST-*.xml"))):
        try:
            root = ET.parse(report).getroot()
        except ET.ParseError:
            continue
        for case in root.iter("testcase"):
            s = case.find("skipped")
            if s is not None:
                why = (s.get("message") or (s.text or "")).strip().splitlines()
                rows.append((case.get("classname", "").rsplit(".", 1)[-1], case.get("name", ""), why[0] if why else ""))
    return rows


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "target"
    rows = skipped(target)
    if not rows:
        return 0
    print("=" * 100)
    print("SKIPPED: %d test(s) did not run (they need data this machine lacks, most often ../shared, or are gated behind a flag):" % len(rows))
    for cls, name, why in rows:
        print("  %-28s %-60s %s" % (cls, name[:60], why[:120]))
    print("=" * 100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
