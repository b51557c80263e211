"""G2P Connect messages and the simulated channel's rules, without a network."""

from disbursement.adapters import g2p
from disbursement.simulator import Channel, ChannelConfig


def test_signed_messages_verify_and_any_change_breaks_them():
    env = g2p.sign(g2p.disburse_envelope(transaction_id="t1", message_id="m1", sender_id="s", sender_uri="http://x",
                                         items=[g2p.Disbursement(reference_id="p.1", payer_fa="a@b",
                                                                 payee_fa=g2p.payee_fa("HH-1"),
                                                                 amount=g2p.amount_text(600_000))]), "k", "s")
    assert g2p.verify(env, "k")
    assert not g2p.verify(env, "other-key")
    env["message"]["disbursements"][0]["amount"] = "900000.00"
    assert not g2p.verify(env, "k")


def test_the_envelope_follows_the_spec_shape():
    env = g2p.disburse_envelope(transaction_id="t1", message_id="m1", sender_id="s", sender_uri="http://x/cb",
                                items=[g2p.Disbursement(reference_id="p.1", payer_fa="a@b", payee_fa="token:HH@dtsen",
                                                        amount="600000.00")])
    assert env["header"]["action"] == "disburse"
    assert env["header"]["total_count"] == 1
    assert env["header"]["version"] == "1.0.0"
    assert env["message"]["disbursements"][0]["currency_code"] == "IDR"
    assert g2p.DisburseEnvelope.model_validate(env).message.transaction_id == "t1"


def test_amounts_are_decimal_text_and_whole_rupiah():
    assert g2p.amount_text(750_000) == "750000.00"
    assert g2p.amount_rupiah("750000.00") == 750_000
    assert g2p.split_reference("0a1b.2") == ("0a1b", 2)
    assert g2p.split_reference("nonsense") is None


def test_the_channel_pays_a_reference_once_and_repeats_its_outcome():
    channel = Channel(ChannelConfig(delay_s=0))
    d = g2p.Disbursement(reference_id="p.1", payer_fa="a@b", payee_fa="token:HH@dtsen", amount="600000.00")
    channel.receive(d, "http://cb", 0)
    channel.receive(d, "http://cb", 0)
    assert len(channel.payouts) == 1
    assert channel.duplicates == 1
    assert channel.payouts["p.1"].status == "succ"


def test_channel_outcomes_follow_the_configured_rates_and_are_repeatable():
    def run(seed: int) -> list[str]:
        channel = Channel(ChannelConfig(failure_rate=0.5, seed=seed))
        for i in range(200):
            channel.receive(g2p.Disbursement(reference_id=f"p{i}.1", payer_fa="a@b", payee_fa="t@d",
                                             amount="1000.00"), "http://cb", 0)
        return [p.status for p in channel.payouts.values()]

    first = run(1)
    assert first == run(1)
    assert 60 < first.count("rjct") < 140


async def test_a_return_is_reported_only_after_the_payment_and_only_once_delivered():
    """The payer books reports in order: a return whose payment report was lost must wait for it, and the
    channel counts a payout returned only when the payer was told (a failed delivery changes nothing)."""
    import httpx

    from disbursement.simulator import deliver_due

    channel = Channel(ChannelConfig(delay_s=0, return_delay_s=0, return_rate=1.0))
    d = g2p.Disbursement(reference_id="p.1", payer_fa="a@b", payee_fa="token:HH@dtsen", amount="600000.00")
    channel.receive(d, "http://cb/on-disburse", 0)
    seen: list[str] = []
    up = False

    def handler(request: httpx.Request) -> httpx.Response:
        if not up:
            return httpx.Response(503)
        body = request.read().decode()
        seen.extend("returned" if '"instruction":"returned"' in body.replace(" ", "") else "paid"
                    for _ in range(body.count('"reference_id"')))
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        assert await deliver_due(channel, client, everything=True) == 0  # the payer is down
        payout = channel.payouts["p.1"]
        assert (payout.reported, payout.returned) == (False, False)
        assert channel.status_item(payout)["status"] == "succ", "not returned before the payer knows it was paid"
        up = True
        assert await deliver_due(channel, client, everything=True) == 1
        assert await deliver_due(channel, client, everything=True) == 1
    assert seen == ["paid", "returned"]
    assert (payout.reported, payout.returned) == (True, True)
