#!/usr/bin/env python3
"""Lighthouse scores of every demo page in every theme, served as in production.

    (cd bench/lighthouse && npm ci)
    .venvs/test-py311/bin/python bench/lighthouse.py            # any Python with contactkit[test]

What it does, in a throw-away folder (``--out``, /tmp/contactkit-lighthouse by default):

1. builds the demo (``migrate``, ``load_demo_shop``) in a SQLite database of its own;
2. collects every static file with demoshop.settings.production (whitenoise's
   CompressedManifestStaticFilesStorage: hashed names, gzip/brotli copies);
3. for each theme, serves the demo with gunicorn + whitenoise, DEBUG off, on 127.0.0.1 and a free
   port (tests/browser/production.py), asks each page once so image renditions exist, and runs
   Lighthouse 12 (bench/lighthouse/node_modules) on each page with its default settings: the
   mobile form factor with simulated throttling, Debian's Chromium (CHROME_PATH);
4. prints the four category scores as a table, then, for every score under the target, the
   audits that cost points, and writes everything to <out>/summary.json (full reports in
   <out>/reports/).

Targets: 100 accessibility, best practices and SEO, and at least 95 performance. The exit status
is 1 when a page misses one.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from tests.browser.demo_pages import CHROMIUM_ARGS, PAGES  # noqa: E402
from tests.browser.production import ProductionDemo  # noqa: E402

LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}


def themes():
    """The themes installed, found the way contactkit finds them (without setting up Django)."""
    code = (
        "import django; django.setup(); from contactkit.themes import discover; "
        "print('\\n'.join(sorted(discover(), key=lambda n: (n != 'default', n))))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "demoshop.settings.dev"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "site"), str(ROOT)])
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def lighthouse_binary():
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        print("Installing Lighthouse (npm ci in bench/lighthouse)", flush=True)
        npm = ["npm", "ci", "--no-audit", "--no-fund"]
        subprocess.run(npm, cwd=LIGHTHOUSE_DIR, check=True)  # noqa: S603, S607
    return binary


def chromium():
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not path:
        raise SystemExit("Debian's chromium is needed: sudo apt-get install chromium")
    return path


def run_lighthouse(binary, url, report, attempts=3):
    """One Lighthouse run; tried again when Lighthouse itself fails (it sometimes loses the
    trace of the page load: "NO_NAVSTART ... Please run Lighthouse again")."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    command = [
        binary,
        url,
        "--output=json",
        f"--output-path={report}",
        f"--chrome-flags={flags}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--quiet",
    ]
    for attempt in range(1, attempts + 1):
        result = subprocess.run(  # noqa: S603
            command, env={**os.environ, "CHROME_PATH": chromium()}, check=False
        )
        if result.returncode == 0:
            return json.loads(report.read_text())
        print(f"  Lighthouse failed (attempt {attempt} of {attempts})", flush=True)
    raise SystemExit(f"Lighthouse kept failing on {url}")


def scores(result):
    return {key: round(result["categories"][key]["score"] * 100) for key in CATEGORIES}


def lost_points(result, category):
    """The audits of ``category`` that scored under 1, with why."""
    audits = result["audits"]
    lost = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
            lost.append(
                {
                    "id": ref["id"],
                    "title": audit["title"],
                    "score": audit["score"],
                    "weight": ref["weight"],
                    "value": audit.get("displayValue", ""),
                    "items": [
                        item.get("node", {}).get("snippet") or item.get("url") or str(item)[:200]
                        for item in (audit.get("details") or {}).get("items", [])[:5]
                    ],
                }
            )
    return lost


def machine():
    command = [chromium(), "--version"]
    version = subprocess.run(command, capture_output=True, text=True, check=False).stdout  # noqa: S603
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "machine": platform.machine(),
        "chromium": version.strip(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/contactkit-lighthouse"))  # noqa: S108
    parser.add_argument("--theme", action="append", help="only these themes (repeatable)")
    parser.add_argument("--page", action="append", choices=list(PAGES), help="only these pages")
    parser.add_argument(
        "--runs", type=int, default=1, help="Lighthouse runs per page; the median is kept"
    )
    args = parser.parse_args()

    binary = lighthouse_binary()
    if args.out.exists():
        shutil.rmtree(args.out)
    reports = args.out / "reports"
    reports.mkdir(parents=True)
    demo = ProductionDemo(
        args.out / "server",
        media_root=args.out / "media",
        database_url=f"sqlite:///{args.out / 'demo.sqlite3'}",
    )
    started = time.monotonic()
    print("Building the demo and collecting static files", flush=True)
    demo.build_database()
    demo.collectstatic()
    print(f"  ready in {time.monotonic() - started:.0f} s", flush=True)

    rows = []
    for theme in args.theme or themes():
        how = demo.select_theme(theme)
        with demo:
            demo.start(theme=theme if how == "CONTACTKIT_THEME" else None)
            for page in args.page or PAGES:
                url = demo.url + PAGES[page]
                urllib.request.urlopen(url).read()  # noqa: S310 - renditions made before measuring
                runs = []
                for number in range(args.runs):
                    print(f"Lighthouse: {theme} / {page} (run {number + 1})", flush=True)
                    report = reports / f"{theme}-{page}-{number + 1}.json"
                    runs.append(run_lighthouse(binary, url, report))
                runs.sort(key=lambda result: result["categories"]["performance"]["score"])
                median = runs[len(runs) // 2]
                row = {"theme": theme, "page": page, "path": PAGES[page], **scores(median)}
                if args.runs > 1:
                    row["performance_runs"] = [scores(r)["performance"] for r in runs]
                    row["performance_median"] = statistics.median(row["performance_runs"])
                row["lost"] = {
                    category: lost_points(median, category)
                    for category in CATEGORIES
                    if row[category] < 100
                }
                row["lighthouse"] = median["lighthouseVersion"]
                rows.append(row)

    header = f"| {'page':<16}| {'theme':<10}| " + " | ".join(CATEGORIES) + " |"
    print("\n" + header)
    print(f"|{'-' * 17}|{'-' * 11}|" + "|".join("-" * (len(c) + 2) for c in CATEGORIES) + "|")
    for row in rows:
        cells = " | ".join(f"{row[c]:>{len(c)}}" for c in CATEGORIES)
        print(f"| {row['page']:<16}| {row['theme']:<10}| {cells} |")

    misses = [
        (row, category)
        for row in rows
        for category in CATEGORIES
        if row[category] < TARGETS[category]
    ]
    for row in rows:
        for category, lost in row["lost"].items():
            flag = "UNDER TARGET" if row[category] < TARGETS[category] else "under 100"
            print(f"\n{row['page']} / {row['theme']}: {category} {row[category]} ({flag})")
            for audit in lost:
                print(
                    f"  - {audit['id']} (score {audit['score']}, weight {audit['weight']})"
                    f" {audit['title']} {audit['value']}"
                )
                for item in audit["items"]:
                    print(f"      {item}")

    summary = {"machine": machine(), "targets": TARGETS, "results": rows}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"\nSummary: {args.out / 'summary.json'}  (reports in {reports})")
    if misses:
        print(f"{len(misses)} score(s) under target.")
        return 1
    print("Every page in every theme meets the targets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
