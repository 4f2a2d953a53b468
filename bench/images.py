#!/usr/bin/env python
"""Benchmark: our image pipeline against libvips' own `vips dzsave`, on 100 MP and 300 MP TIFFs.

Generates the TIFFs (8-bit RGB, uncompressed, as archival scans usually are) under a scratch
folder, then, each in a fresh process so peak memory is its own, runs:

- ours: exhibit.services.pixels' whole build for one image (sRGB load, WebP and JPEG
  renditions for srcset, the IIIF level-0 tile pyramid, listed sizes and info.json), as the
  child process that process_image starts runs it, without its limits;
- vips: `vips dzsave in.tif out --layout iiif3 --tile-size 512 --overlap 0 --depth onetile`
  (Debian's libvips-tools, installed here if missing).

Prints wall time and peak RSS for each and our figures as ratios of theirs. Targets: within
1.5x of its time and 2x of its memory. Usage: .venv/bin/python bench/images.py [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"100 MP": (12_248, 8_165), "300 MP": (21_213, 14_142)}
TIME_TARGET, MEMORY_TARGET = 1.5, 2.0
REPEATS = 3  # each figure is the median of this many runs


def ensure_vips_cli() -> str:
    found = shutil.which("vips")
    if found:
        return found
    print("Installing Debian's libvips-tools for the reference `vips` command ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)  # noqa: S607
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "libvips-tools"],  # noqa: S607
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("vips") or sys.exit("libvips-tools did not provide `vips`")


def make_tiff(path: Path, width: int, height: int) -> None:
    """A scan-like picture: smooth gradients with grain, so JPEG has real work to do."""
    import pyvips

    x = pyvips.Image.xyz(width, height)
    gradient = (x[0] * 255 / width + x[1] * 128 / height).cast("uchar")
    grain = pyvips.Image.gaussnoise(width, height, sigma=12, mean=0)
    grey = (gradient + grain).cast("uchar")
    rgb = grey.bandjoin([(grey * 0.9).cast("uchar"), (grey * 0.75).cast("uchar")])
    rgb = rgb.copy(interpretation="srgb")
    rgb.tiffsave(str(path), compression="none", strip=False, bigtiff=True)


def run_measured(command: list[str], scratch_out: Path) -> tuple[float, int]:
    """Median (seconds, peak RSS in bytes) of REPEATS runs, each in its own process."""
    runs = []
    for _ in range(REPEATS):
        shutil.rmtree(scratch_out, ignore_errors=True)
        runs.append(_run_once(command))
    shutil.rmtree(scratch_out, ignore_errors=True)
    times, memories = sorted(t for t, _ in runs), sorted(m for _, m in runs)
    return times[REPEATS // 2], memories[REPEATS // 2]


def _run_once(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    process = subprocess.Popen(command)  # noqa: S603
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss * 1024


def child_ours(source: str, out: str) -> None:
    """The pipeline for one original, as process_image runs it, without the database."""
    sys.path.insert(0, str(ROOT))
    from exhibit.services import pixels

    out_dir = Path(out)
    (out_dir / "renditions").mkdir(parents=True)
    pixels.build(source, out_dir / "renditions", out_dir / "tiles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--only", choices=list(SIZES), help="one size only")
    args = parser.parse_args()
    vips = ensure_vips_cli()
    scratch = Path(tempfile.mkdtemp(prefix="exhibit-bench-"))
    rows = []
    try:
        for label, (width, height) in SIZES.items():
            if args.only and label != args.only:
                continue
            tiff = scratch / f"{label.split()[0]}mp.tif"
            print(f"Generating {label} TIFF ({width} x {height}) ...", flush=True)
            make_tiff(tiff, width, height)
            vips_out, our_out = scratch / f"vips-{label[:3]}", scratch / f"ours-{label[:3]}"
            theirs = run_measured(
                [vips, "dzsave", str(tiff), str(vips_out), "--layout", "iiif3", "--tile-size",
                 "512", "--overlap", "0", "--depth", "onetile", "--suffix", ".jpg[Q=85]"],
                vips_out,
            )  # fmt: skip
            ours = run_measured(
                [sys.executable, __file__, "--child", str(tiff), str(our_out)], our_out
            )
            rows.append((label, ours, theirs))
            tiff.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    print(f"\nMedian of {REPEATS} runs each.")
    print("| image | ours: time | ours: peak RSS | vips dzsave: time | vips dzsave: peak RSS "
          "| time ratio | memory ratio |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    within = True
    for label, (our_time, our_rss), (their_time, their_rss) in rows:
        time_ratio, memory_ratio = our_time / their_time, our_rss / their_rss
        within &= time_ratio <= TIME_TARGET and memory_ratio <= MEMORY_TARGET
        print(
            f"| {label} | {our_time:.1f} s | {our_rss / 2**20:.0f} MiB | {their_time:.1f} s "
            f"| {their_rss / 2**20:.0f} MiB | {time_ratio:.2f}x | {memory_ratio:.2f}x |"
        )
    verdict = "within" if within else "NOT within"
    targets = f"time <= {TIME_TARGET}x, memory <= {MEMORY_TARGET}x of vips dzsave"
    print(f"\nTargets: {targets}: {verdict}.")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child_ours(sys.argv[2], sys.argv[3])
    else:
        main()
