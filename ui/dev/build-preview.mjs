// Builds the in-browser preview (fake backend, no shell) into ui/dist-preview.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dev = dirname(fileURLToPath(import.meta.url));
const ui = dirname(dev);
const out = join(ui, "dist-preview");
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({ entryPoints: [join(dev, "preview.ts")], outfile: join(out, "main.js"), bundle: true, format: "esm", target: "es2021", logLevel: "warning" });
await copyFile(join(ui, "index.html"), join(out, "index.html"));
await copyFile(join(ui, "style.css"), join(out, "style.css"));
console.log(`built ${out}: serve it (python3 -m http.server -d ui/dist-preview) and open index.html#deck`);
