"""The portal's in-browser verifier (static/verify.js) refuses what the offline one refuses: a leaf index that
is negative, fractional or not below the tree size, and a receipt whose tree size differs from its checkpoint.
(In JavaScript, Math.floor(-1 / 2) is -1 and 0.5 halves to 0: without the bounds, leaf 0's proof verified
at index -1 and 0.5.)"""

from playwright.async_api import async_playwright

from .test_portal import CHROMIUM_ARGS, portal  # noqa: F401 (the fixture)

CHECK = """async (cases) => {
  const { verifyReceipt } = await import("/static/verify.js");
  const vkey = (await (await fetch("/transparency/key")).text()).trim();
  const genuine = await (await fetch("/transparency/receipts/pay-0")).json();
  const out = {};
  for (const [name, change] of Object.entries(cases)) {
    try {
      const checkpoint = await verifyReceipt({ ...genuine, ...change }, vkey);
      out[name] = "verified " + checkpoint.size;
    } catch (err) {
      out[name] = err.message;
    }
  }
  return out;
}"""


async def test_the_browser_verifier_refuses_indexes_outside_the_tree(portal):  # noqa: F811
    base, _ = portal
    cases = {"genuine": {}, "negative": {"leaf_index": -1}, "half": {"leaf_index": 0.5},
             "at size": {"leaf_index": 26}, "past size": {"leaf_index": 52}, "text": {"leaf_index": "0"},
             "other size": {"tree_size": 27}}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(f"{base}/verifikasi")
        results = await page.evaluate(CHECK, cases)
        await browser.close()
    assert results == {"genuine": "verified 26", "negative": "inclusion", "half": "inclusion",
                       "at size": "inclusion", "past size": "inclusion", "text": "inclusion", "other size": "size"}
