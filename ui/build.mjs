// Builds ui/dist (Tauri's frontendDist): the TypeScript bundled by esbuild into one ES module
// (no eval, no inline script, so it runs under the app's strict CSP), plus index.html and
// style.css copied as they are.
import { build } from "esbuild";
import { copyFile, mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ui = dirname(fileURLToPath(import.meta.url));
const dist = join(ui, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [join(ui, "src", "main.ts")],
  outfile: join(dist, "main.js"),
  bundle: true,
  format: "esm",
  target: "es2021",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
await copyFile(join(ui, "index.html"), join(dist, "index.html"));
await copyFile(join(ui, "style.css"), join(dist, "style.css"));
console.log(`built ${dist}`);
