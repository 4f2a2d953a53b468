// Copy the front-end libraries npm installed (pinned by package-lock.json) into static files.
// Run by `npm run build` (and so by `make assets`). The output is git-ignored: third-party
// code is never committed, only rebuilt from the lockfile.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "exhibit", "static", "vendor");

// [from, under node_modules/] -> [to, under exhibit/static/vendor/]
const copies = {
  openseadragon: [
    // The source map too: collectstatic's manifest storage rewrites the sourceMappingURL
    // comment at the end of the script and refuses to finish if the map is missing.
    ["openseadragon/build/openseadragon/openseadragon.min.js", "openseadragon.min.js"],
    ["openseadragon/build/openseadragon/openseadragon.min.js.map", "openseadragon.min.js.map"],
    ["openseadragon/build/openseadragon/images", "images"],
    ["openseadragon/LICENSE.txt", "LICENSE.txt"],
  ],
  // The map of places. Its stylesheet points at images/ beside it (layer and marker icons).
  leaflet: [
    ["leaflet/dist/leaflet.js", "leaflet.js"],
    ["leaflet/dist/leaflet.js.map", "leaflet.js.map"],
    ["leaflet/dist/leaflet.css", "leaflet.css"],
    ["leaflet/dist/images", "images"],
    ["leaflet/LICENSE", "LICENSE"],
  ],
  // Clusters the map's markers when there are many places. Its own stylesheet only (the
  // animations); the cluster icons are styled by exhibit/css/places.css.
  "leaflet.markercluster": [
    ["leaflet.markercluster/dist/leaflet.markercluster.js", "leaflet.markercluster.js"],
    ["leaflet.markercluster/dist/leaflet.markercluster.js.map", "leaflet.markercluster.js.map"],
    ["leaflet.markercluster/dist/MarkerCluster.css", "MarkerCluster.css"],
    ["leaflet.markercluster/MIT-LICENCE.txt", "LICENSE"],
  ],
};

for (const [library, files] of Object.entries(copies)) {
  const target = join(vendor, library);
  // Start clean, so files a newer version no longer ships do not linger.
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const [from, to] of files) {
    const source = join(root, "node_modules", from);
    if (!existsSync(source)) {
      console.error(`build-assets: ${source} is missing; run \`npm ci\` first (or \`make assets\`).`);
      process.exit(1);
    }
    cpSync(source, join(target, to), { recursive: true });
  }
  console.log(`build-assets: ${library} -> ${target}`);
}
