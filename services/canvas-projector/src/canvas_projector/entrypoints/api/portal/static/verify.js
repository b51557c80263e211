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

// The page says what was proved, or why it failed, in the visitor's language: a failure is named by a short code
// (the thrown message), and the page's words (verify.html's data-words) turn each code into a sentence.
const WHY = { signature: "signature", size: "size", inclusion: "inclusion", "bad verifier key": "key",
              "not an Ed25519 verifier key": "key", "no signature block": "signature" };

class ReceiptProblem extends Error {
  constructor(code, detail = {}) { super(code); this.code = code; this.detail = detail; }
}

// What a receipt must hold before any hashing: a readable shape, or the part that is missing is named.
function checkShape(receipt) {
  const need = { record: "object", leaf_index: "number", tree_size: "number", inclusion_proof: "object",
                 checkpoint: "string" };
  if (!receipt || typeof receipt !== "object" || Array.isArray(receipt)) throw new ReceiptProblem("json");
  for (const [field, type] of Object.entries(need)) {
    if (typeof receipt[field] !== type || receipt[field] === null) throw new ReceiptProblem("shape", { field });
  }
  if (!Array.isArray(receipt.inclusion_proof) || !receipt.inclusion_proof.every((p) => typeof p === "string")) {
    throw new ReceiptProblem("shape", { field: "inclusion_proof" });
  }
  for (const field of ["amount", "period", "program_code", "region_code", "status"]) {
    if (!(field in receipt.record)) throw new ReceiptProblem("shape", { field: "record." + field });
  }
}

const fill = (text, values) => text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));

function period(text, words) {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(text);
  if (quarter) return fill(words.quarter, { y: quarter[1], q: quarter[2] });
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (month) return words.months.split(",")[Number(month[2]) - 1] + " " + month[1];
  return text;
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

const form = document.getElementById("verify-form");
if (form) {
  const asked = document.getElementById("verify-request").dataset;
  const words = JSON.parse(asked.words);
  const lang = document.documentElement.lang === "en" ? "en" : "id";
  const grouped = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID");
  const input = document.getElementById("receipt");
  const file = document.getElementById("receipt-file");
  const result = document.getElementById("result");

  const show = (className, ...children) => {
    result.hidden = false;
    result.className = "result " + className;
    result.replaceChildren(...children);
  };

  const failed = (problem) => {
    const code = problem instanceof ReceiptProblem ? problem.code
      : problem instanceof SyntaxError ? "json"
      : problem && problem.name === "NotSupportedError" ? "crypto"
      : WHY[problem && problem.message] || "inclusion";
    const reason = fill(words["why_" + code] || words.why_signature, { status: asked.status, ...(problem.detail || {}) });
    show("fail", element("strong", words.fail + ": "), element("span", reason));
    result.focus();
  };

  const proved = async (receipt, checkpoint) => {
    const r = receipt.record;
    const query = new URLSearchParams({ lang, region: String(r.region_code), program: String(r.program_code),
                                        size: String(checkpoint.size) });
    let names = { region: "", program: "", signed_at: "" };
    try {
      const answer = await fetch("/verifikasi/konteks?" + query);
      if (answer.ok) names = await answer.json();
    } catch { /* the codes still say it; names are a courtesy the proof does not need */ }
    const rows = [
      [words.program, names.program ? `${names.program} (${r.program_code})` : String(r.program_code)],
      [words.amount, Number.isInteger(r.amount) ? "Rp\u00a0" + grouped.format(r.amount) : String(r.amount)],
      [words.period, period(String(r.period), words)],
      [words.region, names.region ? `${names.region} (${r.region_code})` : String(r.region_code)],
      [words.status, words["status_" + r.status] || String(r.status)],
      [words.checkpoint, names.signed_at || "\u2014"],
      [words.entry, fill(words.entry_text, { n: grouped.format(receipt.leaf_index + 1), index: grouped.format(receipt.leaf_index),
                                             size: grouped.format(checkpoint.size), origin: checkpoint.origin })],
    ];
    const list = element("dl");
    for (const [term, value] of rows) {
      const row = element("div");
      row.append(element("dt", term), element("dd", value));
      list.append(row);
    }
    const children = [element("strong", words.ok), element("p", words.ok_text), list];
    if (asked.payment) {
      const link = element("a", words.download);
      link.href = `/transparency/receipts/${encodeURIComponent(asked.payment)}?status=${encodeURIComponent(asked.status)}`;
      link.download = `receipt-${asked.payment}.json`;
      const paragraph = element("p");
      paragraph.append(link);
      children.push(paragraph);
    }
    show("ok", ...children);
    result.focus();
  };

  const check = async (text) => {
    show("", element("span", words.checking));
    try {
      const receipt = JSON.parse(text);
      checkShape(receipt);
      let vkey;
      try {
        vkey = (await (await fetch("/transparency/key")).text()).trim();
      } catch {
        throw new ReceiptProblem("key");
      }
      const checkpoint = await verifyReceipt(receipt, vkey);
      await proved(receipt, checkpoint);
    } catch (err) {
      failed(err);
    }
  };

  file.addEventListener("change", async () => { input.value = await file.files[0].text(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await check(input.value);
  });

  // `?payment=<id>&status=paid`: fetch that payment's receipt from this origin and verify it at once.
  if (asked.payment) {
    (async () => {
      show("", element("span", words.fetching));
      let answer;
      try {
        answer = await fetch(`/transparency/receipts/${encodeURIComponent(asked.payment)}?status=${encodeURIComponent(asked.status)}`);
      } catch {
        failed(new ReceiptProblem("fetch"));
        return;
      }
      if (!answer.ok) {
        failed(new ReceiptProblem(answer.status === 404 ? "missing" : "fetch"));
        return;
      }
      input.value = JSON.stringify(await answer.json(), null, 2);
      await check(input.value);
    })();
  }
}
