// Verifies a Gotong transparency receipt in the browser, with nothing but WebCrypto:
// 1. the checkpoint is a C2SP signed note, signed with Ed25519 by the log's published verifier key;
// 2. the record's leaf hash, SHA-256(0x00 || canonical JSON), is included under the checkpoint's root
//    (RFC 9162 section 2.1.3.2).
"use strict";

const enc = new TextEncoder();
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// Canonical JSON exactly as the log hashes it: sorted keys, no spaces, UTF-8.
function canonical(value) {
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  if (value && typeof value === "object") {
    return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

async function verifyInclusion(leaf, index, size, proof, root) {
  // RFC 9162 indexes are unsigned integers: -1, 0.5 or "3" never name a leaf (Math.floor(-1 / 2) is -1).
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(concat(Uint8Array.of(1), p, r));
      if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    } else {
      r = await sha256(concat(Uint8Array.of(1), r, p));
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

async function openNote(note, vkey) {
  const [name, keyIdHex, material] = splitKey(vkey);
  if (!name || !keyIdHex || !material) throw new Error("bad verifier key");
  const raw = b64(material);
  if (raw[0] !== 1 || raw.length !== 33) throw new Error("not an Ed25519 verifier key");
  const sep = note.indexOf("\n\n");
  if (sep < 0) throw new Error("no signature block");
  const text = note.slice(0, sep + 1);
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  for (const line of note.slice(sep + 2).split("\n")) {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== "\u2014" || parts[1] !== name) continue;
    const blob = b64(parts[2]);
    const kid = Array.from(blob.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    if (kid !== keyIdHex) continue;
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(4), enc.encode(text)))) {
      throw new Error("signature");
    }
    const lines = text.split("\n");
    return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
  }
  throw new Error("signature");
}

function splitKey(vkey) {
  const first = vkey.indexOf("+");
  const second = vkey.indexOf("+", first + 1);
  return [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)];
}

export async function verifyReceipt(receipt, vkey) {
  const checkpoint = await openNote(receipt.checkpoint, vkey);
  if (checkpoint.size !== receipt.tree_size) throw new Error("size");
  const leaf = await sha256(concat(Uint8Array.of(0), enc.encode(canonical(receipt.record))));
  const proof = receipt.inclusion_proof.map(b64);
  if (!(await verifyInclusion(leaf, receipt.leaf_index, checkpoint.size, proof, checkpoint.root))) {
    throw new Error("inclusion");
  }
  return checkpoint;
}

// The page: paste or upload a receipt, verify against the key the log publishes.
const form = document.getElementById("verify-form");
if (form) {
  const input = document.getElementById("receipt");
  const file = document.getElementById("receipt-file");
  const result = document.getElementById("result");
  file.addEventListener("change", async () => { input.value = await file.files[0].text(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.className = "result";
    result.textContent = result.dataset.checking;
    try {
      const receipt = JSON.parse(input.value);
      const vkey = (await (await fetch("/transparency/key")).text()).trim();
      const checkpoint = await verifyReceipt(receipt, vkey);
      result.className = "result ok";
      // numbers grouped as the page's language writes them (1.234.567 / 1,234,567), like the server's pages
      const grouped = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-US" : "id-ID");
      result.textContent = result.dataset.ok.replace("{index}", grouped.format(receipt.leaf_index))
        .replace("{size}", grouped.format(checkpoint.size)).replace("{origin}", checkpoint.origin);
    } catch (err) {
      result.className = "result fail";
      result.textContent = result.dataset.fail + " (" + err.message + ")";
    }
  });
}
