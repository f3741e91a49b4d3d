// ESLint for the portal's hand-written JavaScript (pwa/static/js, service_worker/sw.js).
// `npm run lint` runs it from the repository root with this file (`-c`), then tsc over the same
// files (tsconfig.json, tsconfig.sw.json). Vendor builds and node_modules are not ours to lint.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["**/node_modules/**", "pwa/static/vendor/**", "frontend/**"],
  },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
    },
  },
  {
    // The pages' modules, loaded with <script type="module">.
    files: ["pwa/static/js/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser } },
  },
  {
    // The drafts store is a classic script: the pages load it with <script defer> and the
    // service worker with importScripts(), so it may use only what both have.
    files: ["pwa/static/js/draft-store.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.worker, ...globals.browser },
    },
  },
  {
    // The server prepends `const PORTAL = {...}` before serving it (server/web/pwa.py); sw.js
    // names it and the drafts store in a `/* global */` comment.
    files: ["service_worker/sw.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker },
    },
  },
];
