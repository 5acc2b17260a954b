#!/usr/bin/env python3
"""Builds assets/pictograms/pack.json.gz: Mulberry Symbols pictograms and their names.

Source: the vendored copy of Mulberry Symbols (CC BY-SA 4.0, Copyright 2018-2026 Steve Lee),
by default `../shared/vendor/mulberry-symbols` relative to the repository root:
  * EN/*.svg                       one SVG per symbol, named by its English name
  * scripts/data/symbol-info.csv   id, category, grammar class, tags, English and French names

Kept: every symbol except
  * country flags and country maps (emoji have the flags; the maps are 10 % of the bytes and
    rarely vocabulary),
  * the alphabet (letters are not vocabulary pictures),
  * symbols with a `<text>` element (the core's resvg has no text support: "add", "half",
    "percent" would lose the part that carries the meaning),
  * symbols the source rates as adult (`rated` = 1),
  * other drawings of a name already kept (numbered variants, see drop_variants).

SVGs are minified: the XML prolog, comments, metadata, ids and whitespace between tags are
dropped, and coordinates are rounded to one decimal (the art is drawn on an ~850-unit canvas and
shown at 320 px: 0.1 unit is 0.04 px). Checked once against the originals, both drawn with
resvg at 320 px: at most 0.16 % of a symbol's pixels differ by more than 64 levels (edge
anti-aliasing; zebra_crossing the worst).

Pack format (JSON, gzip level 9, mtime 0), read by
src-tauri/core/src/providers/emoji/mulberry.rs:
  {
    "format": 1,
    "source": "Mulberry Symbols 3.6 (commit 9cbab9f)",
    "symbols": [
      {"id": "bend_2_,_to", "name": "bend", "grammar": "Verb", "category": "Verb",
       "tags": ["..."], "fr": "courber" or null, "svg": "<svg ...>...</svg>"}
    ]
  }
`id` is the source file name (stable, also the credit's link target); `name` is the English name
with the variant number and the ", to" of verbs removed and underscores as spaces; `fr` is the
French name where the source has a real translation (untranslated or half-translated names, which
still contain underscores, are dropped). Symbols are sorted by id.

Usage:  python3 assets/pictograms/generate.py [PATH_TO_MULBERRY_SYMBOLS]
Deterministic: the same source gives a byte-identical pack.
"""

import csv
import gzip
import io
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SOURCE = os.path.join(REPO, "..", "shared", "vendor", "mulberry-symbols")
OUT = os.path.join(HERE, "pack.json.gz")
SOURCE_NAME = "Mulberry Symbols 3.6 (commit 9cbab9f)"

SKIPPED_CATEGORIES = {"Country Flags", "Country Maps", "Alphabet"}

# Attributes whose values are numbers or path data (rounded); no colours or class names here.
NUMERIC_ATTRS = {
    "d", "points", "transform", "x", "y", "cx", "cy", "r", "rx", "ry", "x1", "x2", "y1", "y2",
    "width", "height", "viewBox", "stroke-width", "stroke-miterlimit", "fx", "fy", "offset",
}
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
ATTR = re.compile(r'([a-zA-Z:-]+)="([^"]*)"')
DROPPED_ATTRS = {"id", "overflow", "data-name", "xml:space", "enable-background"}


def compact_number(token):
    """One decimal, no trailing zeros, no leading zero: "12.048" -> "12", "-0.35" -> "-.3"."""
    if "e" in token.lower():
        value = float(token)
    elif "." not in token:
        return token.lstrip("+")
    else:
        value = float(token)
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text


def compact_numbers(value):
    """Rounds every number of an attribute value and re-joins them with the fewest separators:
    none before a minus sign, none before ".5" when the previous number already has a dot."""
    out = []
    pos = 0
    prev_number = None  # the last number written, if nothing but separators followed it
    for m in NUMBER.finditer(value):
        between = value[pos:m.start()]
        number = compact_number(m.group())
        if prev_number is not None and between.strip(" ,\t\n") == "":
            needs_gap = not (number.startswith("-") or (number.startswith(".") and "." in prev_number))
            out.append(" " if needs_gap else "")
        else:
            out.append(re.sub(r"\s+", " ", between))
        out.append(number)
        prev_number = number
        pos = m.end()
    out.append(value[pos:])
    return "".join(out)


def minify_svg(svg):
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<metadata.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r">\s+<", "><", svg).strip()

    def attr(m):
        name, value = m.group(1), m.group(2)
        if name in DROPPED_ATTRS:
            return ""
        if name in NUMERIC_ATTRS:
            value = compact_numbers(value)
        return f'{name}="{value}"'

    def tag(m):
        body = ATTR.sub(attr, m.group(0))
        return re.sub(r"\s+", " ", body).replace(" >", ">").replace(" />", "/>")

    svg = re.sub(r"<[a-zA-Z][^>]*>", tag, svg)
    return svg


def english_name(symbol_id):
    """ "bend_2_,_to" -> ("bend", True); "old_person_1" -> ("old person", False);
    "baker_1b" -> ("baker", False)."""
    verb = symbol_id.endswith("_,_to")
    base = symbol_id[: -len("_,_to")] if verb else symbol_id
    base = re.sub(r"_\d+[ab]?$", "", base)
    base = base.replace("_-_", " ").replace("_", " ")
    return re.sub(r"\s+", " ", base).strip(), verb


def french_name(fr, en):
    """The French name when it is a real translation, else None."""
    if fr == en:
        return None
    fr = re.sub(r"\s*_,\s*_\s*à$", "", fr.strip())
    if "_" in fr or not fr:
        return None
    return fr


def load(source):
    info = os.path.join(source, "scripts", "data", "symbol-info.csv")
    with open(info, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    symbols, skipped = [], {}
    for row in rows:
        sid = row["symbol-en"]
        reason = None
        if row["category-en"] in SKIPPED_CATEGORIES or sid.startswith("flag_") or sid.startswith("country_"):
            reason = "flag, map or letter"
        elif row["rated"].strip() == "1":
            reason = "rated"
        path = os.path.join(source, "EN", sid + ".svg")
        if reason is None and not os.path.exists(path):
            reason = "no svg"
        svg = ""
        if reason is None:
            with open(path, encoding="utf-8") as f:
                svg = f.read()
            if "<text" in svg or "<image" in svg:
                reason = "text or raster image"
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        name, verb = english_name(sid)
        grammar = row["grammar"].strip()
        if verb and grammar not in ("Verb", "VerbComplex"):
            grammar = "Verb"  # "gravy_pour_,_to" is filed as a noun
        symbols.append({
            "id": sid,
            "name": name,
            "grammar": grammar,
            "category": row["category-en"].strip(),
            "tags": sorted(set(row["tags"].split())),
            "fr": french_name(row["symbol-fr"], sid),
            "svg": minify_svg(svg),
        })
    return drop_variants(symbols, skipped), skipped


def drop_variants(symbols, skipped):
    """Keeps one symbol per (name, verb or not): the plain one before numbered variants
    ("eat_,_to" before "eat_1_,_to"; "baker_1a" before "baker_1b", "baker_2a"). The matcher
    picks that one by name; the others are other drawings of the same thing, unreachable and
    about 0.9 MB. A French name only a dropped variant has moves to the kept one."""
    groups = {}
    for s in symbols:
        groups.setdefault((s["name"], s["grammar"].startswith("Verb")), []).append(s)
    kept = []
    for group in groups.values():
        group.sort(key=lambda s: (len(s["id"]), s["id"]))
        first = group[0]
        if first["fr"] is None:
            first["fr"] = next((s["fr"] for s in group[1:] if s["fr"]), None)
        kept.append(first)
        if len(group) > 1:
            skipped["other drawing of the same name"] = skipped.get("other drawing of the same name", 0) + len(group) - 1
    kept.sort(key=lambda s: s["id"])
    return kept


def main():
    source = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE)
    symbols, skipped = load(source)
    pack = {"format": 1, "source": SOURCE_NAME, "symbols": symbols}
    raw = json.dumps(pack, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    with open(OUT, "wb") as f:
        f.write(buf.getvalue())
    svg_bytes = sum(len(s["svg"]) for s in symbols)
    print(f"{len(symbols)} symbols kept; skipped: {skipped}")
    print(f"SVG text {svg_bytes / 1e6:.2f} MB, JSON {len(raw) / 1e6:.2f} MB, {OUT}: {len(buf.getvalue()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
