"""The demo data `gotong up` loads: cycles of PKH and BPNT over the replica's households, approved by a second
officer and instructed; loading again changes nothing."""

from disbursement.demo import load_demo
from disbursement.fixtures import changed, member


async def test_demo_opens_computes_approves_and_instructs_once(env):
    await env.households(changed("HH-1", 1, members=[member("m1", "2016-01", school_level="sd")]),
                         changed("HH-2", 1, desil=3), changed("HH-3", 1, desil=9))
    await load_demo(env.app.state.settings, wait_s=0)
    await load_demo(env.app.state.settings, wait_s=0)
    rows = await env.sql("SELECT p.code, c.status, c.households, c.opened_by, c.approved_by FROM cycles c "
                         "JOIN programs p USING (program_id) ORDER BY p.code")
    assert [tuple(r) for r in rows] == [("BPNT", "paying", 2, "demo-officer", "demo-supervisor"),
                                        ("PKH", "paying", 1, "demo-officer", "demo-supervisor")]
    assert len(await env.sql("SELECT 1 FROM payments")) == 3


async def test_demo_without_households_opens_nothing(env):
    await load_demo(env.app.state.settings, wait_s=0)
    assert await env.sql("SELECT 1 FROM cycles") == []
