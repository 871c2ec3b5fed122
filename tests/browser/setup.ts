// Loaded first in the karma bundle: karma serves the repository at /base/, so the
// committed (or freshly built) wasm/ folder is at /base/wasm/.
import { setWasmPaths } from "../../ts/index.js";

setWasmPaths("/base/wasm/");
