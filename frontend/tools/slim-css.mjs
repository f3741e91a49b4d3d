#!/usr/bin/env node
// Post-processes the compressed CSS that Dart Sass writes for portal.scss.
//
// KERN's partials cannot be configured to emit less, so two safe, explicit
// reductions are applied here:
//
//  1. Selectors for KERN features the portal does not use (DROP_SELECTORS)
//     are removed from selector lists; rules left without selectors vanish.
//  2. Primitive design tokens (palette shades --kern-color-<hue>-NNN, sizes
//     --kern-NN, --kern-font-size-NN, --kern-color-white/black) that nothing
//     references through var() are removed. Semantic tokens (--kern-color-
//     layout/action/feedback/..., --kern-metric-*, --kern-typography-*,
//     --kern-component-*) are always kept so templates may use them.
//
//  3. var(--x, fallback) becomes var(--x) when --x is defined in this very
//     stylesheet (KERN writes a literal fallback into almost every var();
//     they are dead weight once the tokens ship in the same file). Fallbacks
//     of properties that are never defined here are left alone.
//
//  4. LIGHT_ONLY: KERN ships a light and a dark colour theme, switched by
//     prefers-color-scheme (and [data-kern-theme]/.kern-light/.kern-dark).
//     The portal ships the light theme only (about 0.5 KB gzip; dark mode
//     was never designed or contrast-tested for the portal layer): the
//     light media query is unwrapped so it applies unconditionally, the
//     dark one and the theme-switch selectors ([data-kern-theme=...],
//     .kern-light, .kern-dark) are dropped. To bring dark mode back
//     set LIGHT_ONLY = false and use `color-scheme: light dark` in
//     portal.scss.
//
// Empty rules and empty @media blocks are removed afterwards. Nothing else
// is rewritten; the cascade order of the remaining rules is unchanged.
//
// Usage: node slim-css.mjs <in.css> <out.css>

import { readFileSync, writeFileSync } from "node:fs";

const DROP_SELECTORS = [
  /\.kern-card--(?:small|large|active)\b/, // unused card sizes, deprecated alias of --interactive
  /\[type=["']?file["']?\]|::file-selector-button|::-webkit-file-upload-button/, // no file upload fields
  /\.kern-dialog\b/, // dialog component not included
  /\.kern-number\b/, // numbered task-list marker, not included
  /\.kern-col-(?:sm-|xl-|xxl-)?offset-/, // grid offsets
  /\.kern-col-(?:sm|xl|xxl)-/, // grid columns: keep .kern-col-N, -md-N, -lg-N only
  /\.kern-heading-display\b/, // display heading (marketing size)
];

const LIGHT_ONLY = true;
// With one global theme the theme-switch selectors only repeat :root.
const THEME_SELECTOR = /\[data-kern-theme=["']?(?:dark|light)["']?\]|\.kern-(?:dark|light)\b/;
const SCHEME_MEDIA = /^@media\s*\(\s*prefers-color-scheme:\s*(light|dark)\s*\)$/;

const PRIMITIVE_TOKEN =
  /^--kern-(?:\d+|font-size-\d+|color-[a-z]+-\d{3}|color-(?:white|black)|color-brand-colorpalette-\d+-\d{3}|component-(?:kopfzeile|description-list)-[\w-]+)$/;

// ---- tiny tokenizer for compressed CSS -----------------------------------
// Nodes: {kind:"rule", prelude, body} | {kind:"block", prelude, children}
//        | {kind:"raw", text}. Blocks are @media/@supports/@layer/@container.
function parse(css, i = 0, nested = false) {
  const nodes = [];
  let start = i;
  let quote = null;
  let paren = 0;
  while (i < css.length) {
    const c = css[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === "/" && css[i + 1] === "*") {
      const end = css.indexOf("*/", i + 2);
      if (end < 0) throw new Error("unterminated comment");
      if (css.slice(start, i).trim()) throw new Error(`comment inside a prelude at ${i}`);
      nodes.push({ kind: "raw", text: css.slice(i, end + 2) });
      i = end + 1;
      start = i + 1;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "(") {
      paren++;
    } else if (c === ")") {
      paren--;
    } else if (paren === 0 && c === ";" ) {
      // statement at-rule (@charset, @import) at this level
      nodes.push({ kind: "raw", text: css.slice(start, i + 1) });
      start = i + 1;
    } else if (paren === 0 && c === "{") {
      const prelude = css.slice(start, i).trim();
      if (/^@(media|supports|layer|container)\b/.test(prelude)) {
        const [children, end] = parse(css, i + 1, true);
        nodes.push({ kind: "block", prelude, children });
        i = end;
      } else {
        const end = findClose(css, i + 1);
        const body = css.slice(i + 1, end);
        if (prelude.startsWith("@")) nodes.push({ kind: "raw", text: `${prelude}{${body}}` });
        else nodes.push({ kind: "rule", prelude, body });
        i = end;
      }
      start = i + 1;
    } else if (paren === 0 && c === "}") {
      if (!nested) throw new Error(`unbalanced } at ${i}`);
      const rest = css.slice(start, i).trim();
      if (rest) nodes.push({ kind: "raw", text: rest });
      return [nodes, i];
    }
    i++;
  }
  const rest = css.slice(start).trim();
  if (rest) nodes.push({ kind: "raw", text: rest });
  return [nodes, i];
}

function findClose(css, i) {
  let quote = null;
  let depth = 0;
  for (; i < css.length; i++) {
    const c = css[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new Error("unterminated block");
}

function splitTop(text, sep) {
  const out = [];
  let quote = null;
  let paren = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[") paren++;
    else if (c === ")" || c === "]") paren--;
    else if (c === sep && paren === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

// A selector is dropped only for what it itself requires: the arguments of
// :not(), :is() and :where() are ignored when matching (":is(body,.kern-dark)"
// still matches body; ":not(.x)" does not require .x). :has() is kept, since
// ":has(.dropped)" can only match markup the portal does not use.
function requiredPart(sel) {
  let prev;
  do {
    prev = sel;
    sel = sel.replace(/:(?:not|is|where)\([^()]*\)/g, ":_");
  } while (sel !== prev);
  return sel;
}

const dropped = [];
function keepSelector(sel, patterns) {
  const part = requiredPart(sel);
  const keep = !patterns.some((re) => re.test(part));
  if (!keep) dropped.push(sel);
  return keep;
}

function* rules(nodes) {
  for (const n of nodes) {
    if (n.kind === "rule") yield n;
    else if (n.kind === "block") yield* rules(n.children);
  }
}

// ---- 0. light theme only ----------------------------------------------------
function lightOnly(nodes) {
  const out = [];
  for (const n of nodes) {
    const m = n.kind === "block" ? SCHEME_MEDIA.exec(n.prelude) : null;
    if (m && m[1] === "dark") continue;
    if (m && m[1] === "light") out.push(...n.children);
    else {
      if (n.kind === "block") n.children = lightOnly(n.children);
      if (n.kind === "rule") n.prelude = splitTop(n.prelude, ",").filter((s) => keepSelector(s, [THEME_SELECTOR])).join(",");
      out.push(n);
    }
  }
  return out;
}

// ---- 1. drop selectors ----------------------------------------------------
function dropSelectors(nodes) {
  for (const r of rules(nodes)) {
    const kept = splitTop(r.prelude, ",").filter((s) => keepSelector(s, DROP_SELECTORS));
    r.prelude = kept.join(",");
  }
}

// ---- 2. prune unreferenced primitive tokens ---------------------------------
function pruneTokens(nodes) {
  const defs = new Map(); // name -> [values]
  const roots = new Set();
  const refsOf = (v) => [...v.matchAll(/var\(\s*(--[\w-]+)/g)].map((m) => m[1]);
  for (const r of rules(nodes)) {
    if (!r.prelude) continue;
    r.decls = splitTop(r.body, ";").filter((d) => d.trim() !== "");
    for (const d of r.decls) {
      const m = /^\s*(--[\w-]+)\s*:([\s\S]*)$/.exec(d);
      if (m) {
        if (!defs.has(m[1])) defs.set(m[1], []);
        defs.get(m[1]).push(m[2]);
        if (!PRIMITIVE_TOKEN.test(m[1])) roots.add(m[1]);
      } else {
        for (const ref of refsOf(d)) roots.add(ref);
      }
    }
  }
  const live = new Set();
  const stack = [...roots];
  while (stack.length) {
    const name = stack.pop();
    if (live.has(name)) continue;
    live.add(name);
    for (const v of defs.get(name) || []) for (const ref of refsOf(v)) stack.push(ref);
  }
  let removed = 0;
  for (const r of rules(nodes)) {
    if (!r.decls) continue;
    const kept = r.decls.filter((d) => {
      const m = /^\s*(--[\w-]+)\s*:/.exec(d);
      const drop = m && PRIMITIVE_TOKEN.test(m[1]) && !live.has(m[1]);
      if (drop) removed++;
      return !drop;
    });
    r.body = kept.join(";");
  }
  return removed;
}

// ---- 3. strip redundant var() fallbacks ------------------------------------
function stripFallbacks(text, defined) {
  let out = "";
  let i = 0;
  for (;;) {
    const j = text.indexOf("var(--", i);
    if (j < 0) return out + text.slice(i);
    out += text.slice(i, j);
    const nameMatch = /^var\((--[\w-]+)\s*/.exec(text.slice(j));
    const name = nameMatch[1];
    let k = j + nameMatch[0].length;
    if (text[k] === "," && defined.has(name)) {
      // skip the fallback up to the matching ")"
      let depth = 0;
      let quote = null;
      for (; k < text.length; k++) {
        const c = text[k];
        if (quote) {
          if (c === "\\") k++;
          else if (c === quote) quote = null;
        } else if (c === '"' || c === "'") quote = c;
        else if (c === "(") depth++;
        else if (c === ")") {
          if (depth === 0) break;
          depth--;
        }
      }
      out += `var(${name})`;
      i = k + 1;
    } else {
      out += nameMatch[0];
      i = k;
    }
  }
}

function stripAllFallbacks(nodes) {
  const defined = new Set();
  for (const r of rules(nodes)) {
    for (const d of splitTop(r.body, ";")) {
      const m = /^\s*(--[\w-]+)\s*:/.exec(d);
      if (m) defined.add(m[1]);
    }
  }
  for (const r of rules(nodes)) r.body = stripFallbacks(r.body, defined);
}

// ---- 4. serialise, dropping empty rules / blocks ----------------------------
function serialise(nodes) {
  let out = "";
  for (const n of nodes) {
    if (n.kind === "raw") out += n.text;
    else if (n.kind === "rule") {
      if (n.prelude && n.body.trim()) out += `${n.prelude}{${n.body}}`;
    } else {
      const inner = serialise(n.children);
      if (inner) out += `${n.prelude}{${inner}}`;
    }
  }
  return out;
}

const [, , inFile, outFile] = process.argv;
if (!inFile || !outFile) {
  console.error("usage: slim-css.mjs <in.css> <out.css>");
  process.exit(2);
}
let css = readFileSync(inFile, "utf8");
const bom = css.startsWith("\uFEFF");
if (bom) css = css.slice(1);
let [nodes] = parse(css);
if (LIGHT_ONLY) nodes = lightOnly(nodes);
dropSelectors(nodes);
stripAllFallbacks(nodes);
const removed = pruneTokens(nodes);
const out = serialise(nodes);
writeFileSync(outFile, (bom ? "\uFEFF" : "") + out + "\n");
if (process.env.SLIM_CSS_VERBOSE) for (const sel of dropped) console.error(`  dropped: ${sel}`);
console.log(
  `slim-css: ${css.length} -> ${out.length} bytes; ${dropped.length} selectors and ${removed} unused primitive tokens dropped`,
);
