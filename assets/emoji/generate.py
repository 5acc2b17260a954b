#!/usr/bin/env python3
"""Builds assets/emoji/pack.json.gz: the offline emoji pictures and their keywords.

Sources (both MIT, fetched with `npm pack` into a temporary directory, nothing kept but the pack):
  * emojibase-data      per-locale `data.json`: CLDR label + tags for every emoji
  * @iconify-json/fluent-emoji-flat   Microsoft Fluent Emoji (flat style) as SVG bodies

Kept: emoji that have a Fluent SVG, without skin-tone variants, flags (group 9), components
(group 2, e.g. hair styles) or the ungrouped regional indicators.

Pack format (JSON, gzip level 9), read by src-tauri/core/src/providers/emoji/pack.rs:
  {
    "format": 1,
    "sources": {"emojibase-data": "17.0.0", "@iconify-json/fluent-emoji-flat": "1.2.6"},
    "locales": ["en", "de", ...],
    "emoji": [
      {"e": "🍎", "hex": "1F34E", "svg": "<svg ...>...</svg>",
       "k": [["red apple", ["apple", "fruit", ...]], ["roter Apfel", [...]], null, ...]}
    ]
  }
"k" is aligned with "locales": [label, tags] or null where the locale has no entry.
Labels and tags are stored as emojibase has them; the Rust side normalises them.

Usage:  python3 assets/emoji/generate.py          (needs `npm` and the npm registry)
The output is deterministic for the pinned versions, so a re-run gives an identical file.
"""

import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

EMOJIBASE = ("emojibase-data", "17.0.0")
FLUENT = ("@iconify-json/fluent-emoji-flat", "1.2.6")

# The app's main vocabulary languages first; then every other emojibase locale that is small
# enough to be worth its ~40 KB compressed (the matcher picks a locale by language code).
LOCALES = [
    "en", "de", "es", "fr", "ru", "it", "pt", "pl", "nl", "uk", "ja", "zh",
    "da", "sv", "nb", "fi", "et", "lt", "hu", "ko", "zh-hant", "vi", "ms", "th", "hi", "bn",
]

SKIPPED_GROUPS = {2, 9}  # component, flags

HERE = os.path.dirname(os.path.abspath(__file__))


def npm_pack(name, version, into):
    """Downloads name@version with `npm pack` and returns the extracted tarball members."""
    out = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", into],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    tgz = os.path.join(into, out)
    return tarfile.open(tgz, "r:gz")


def read_json(tar, member):
    return json.load(tar.extractfile(f"package/{member}"))


def slug(label):
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def icon_svg(iconset, key):
    """The complete SVG for an Iconify icon or alias, with its flips and rotation applied."""
    icons, aliases = iconset["icons"], iconset.get("aliases", {})
    props = {"hFlip": False, "vFlip": False, "rotate": 0}
    seen = 0
    while key in aliases:
        alias = aliases[key]
        props["hFlip"] ^= bool(alias.get("hFlip", False))
        props["vFlip"] ^= bool(alias.get("vFlip", False))
        props["rotate"] = (props["rotate"] + alias.get("rotate", 0)) % 4
        key = alias["parent"]
        seen += 1
        if seen > 8:
            raise ValueError(f"alias loop at {key}")
    icon = icons[key]
    props["hFlip"] ^= bool(icon.get("hFlip", False))
    props["vFlip"] ^= bool(icon.get("vFlip", False))
    props["rotate"] = (props["rotate"] + icon.get("rotate", 0)) % 4
    left, top = icon.get("left", iconset.get("left", 0)), icon.get("top", iconset.get("top", 0))
    width, height = icon.get("width", iconset.get("width", 16)), icon.get("height", iconset.get("height", 16))
    body = icon["body"]
    transforms = []
    if props["hFlip"]:
        transforms.append(f"translate({2 * left + width} 0) scale(-1 1)")
    if props["vFlip"]:
        transforms.append(f"translate(0 {2 * top + height}) scale(1 -1)")
    if props["rotate"]:
        cx, cy = left + width / 2, top + height / 2
        transforms.append(f"rotate({90 * props['rotate']} {cx:g} {cy:g})")
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    if props["rotate"] % 2:
        width, height = height, width
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left} {top} {width} {height}">{body}</svg>'


def main():
    with tempfile.TemporaryDirectory() as tmp:
        eb = npm_pack(*EMOJIBASE, tmp)
        fl = npm_pack(*FLUENT, tmp)
        iconset = read_json(fl, "icons.json")
        chars = read_json(fl, "chars.json")
        locales = {loc: {e["hexcode"]: e for e in read_json(eb, f"{loc}/data.json")} for loc in LOCALES}

    known = set(iconset["icons"]) | set(iconset.get("aliases", {}))
    emoji = []
    missing_svg = 0
    for entry in sorted(locales["en"].values(), key=lambda e: e.get("order", 1 << 30)):
        group = entry.get("group")
        if group is None or group in SKIPPED_GROUPS:
            continue
        hexcode = entry["hexcode"]
        lower = hexcode.lower()
        key = chars.get(lower) or chars.get(lower.replace("-fe0f", ""))
        if key not in known:
            key = slug(entry["label"])
        if key not in known:
            missing_svg += 1
            continue
        keywords = []
        for loc in LOCALES:
            e = locales[loc].get(hexcode)
            keywords.append([e["label"], e.get("tags", [])] if e else None)
        emoji.append({"e": entry["emoji"], "hex": hexcode, "svg": icon_svg(iconset, key), "k": keywords})

    pack = {
        "format": 1,
        "sources": {EMOJIBASE[0]: EMOJIBASE[1], FLUENT[0]: FLUENT[1]},
        "locales": LOCALES,
        "emoji": emoji,
    }
    raw = json.dumps(pack, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
    buf = io.BytesIO()
    # mtime=0 and no file name: the same input always gives the same bytes.
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(raw)
    out = os.path.join(HERE, "pack.json.gz")
    with open(out, "wb") as f:
        f.write(buf.getvalue())
    print(
        f"{out}: {len(emoji)} emoji ({missing_svg} without an SVG skipped), {len(LOCALES)} locales, "
        f"{len(raw):,} bytes JSON -> {len(buf.getvalue()):,} bytes gzip",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
