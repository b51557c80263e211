/* Gotong proof of work (gotong.api.proof_of_work): no third-party CAPTCHA, nothing from a CDN.
   A form carrying data-pow-challenge and data-pow-bits gets a counter such that
   SHA-256(challenge || counter) starts with `bits` zero bits, written into its input[name=counter];
   then the form is submitted. Without JavaScript the page explains when to try again. Own code, MIT-0. */
(function () {
  "use strict";
  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Int32Array(64);
  var H = new Int32Array(8);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  /* SHA-256 of an ASCII string; returns the first two words of the digest (enough for up to 64 bits). */
  function sha256Head(text) {
    var n = text.length, blocks = ((n + 8) >> 6) + 1, words = new Int32Array(blocks * 16), i, j, b;
    for (i = 0; i < n; i++) { words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8); }
    words[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    words[blocks * 16 - 1] = n * 8;
    H[0] = 0x6a09e667; H[1] = 0xbb67ae85; H[2] = 0x3c6ef372; H[3] = 0xa54ff53a;
    H[4] = 0x510e527f; H[5] = 0x9b05688c; H[6] = 0x1f83d9ab; H[7] = 0x5be0cd19;
    for (b = 0; b < blocks; b++) {
      for (j = 0; j < 16; j++) { W[j] = words[b * 16 + j]; }
      for (j = 16; j < 64; j++) {
        var w15 = W[j - 15], w2 = W[j - 2];
        var s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
        var s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
        W[j] = (W[j - 16] + s0 + W[j - 7] + s1) | 0;
      }
      var a = H[0], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7], bb = H[1];
      for (j = 0; j < 64; j++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[j] + W[j]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & bb) ^ (a & c) ^ (bb & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + bb) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    return [H[0] >>> 0, H[1] >>> 0];
  }

  function solves(challenge, counter, bits) {
    var head = sha256Head(challenge + counter);
    if (bits <= 32) { return bits === 0 || head[0] >>> (32 - bits) === 0; }
    return head[0] === 0 && head[1] >>> (64 - bits) === 0;
  }

  function solve(form) {
    var challenge = form.getAttribute("data-pow-challenge");
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
    var counter = form.querySelector("input[name=counter]");
    var working = document.getElementById("pow-working");
    if (!challenge || !(bits >= 1 && bits <= 40) || !counter) { return; }
    if (working) { working.hidden = false; }
    var n = 0;
    function chunk() {  /* in slices, so the page stays responsive on a slow phone */
      var stop = n + 20000;
      for (; n < stop; n++) {
        if (solves(challenge, String(n), bits)) {
          counter.value = String(n);
          form.submit();
          return;
        }
      }
      setTimeout(chunk, 0);
    }
    setTimeout(chunk, 0);
  }

  if (typeof document !== "undefined") {
    var forms = document.querySelectorAll("form[data-pow-challenge]");
    for (var i = 0; i < forms.length; i++) { solve(forms[i]); }
  }
  if (typeof module !== "undefined") { module.exports = { sha256Head: sha256Head, solves: solves }; }
})();
