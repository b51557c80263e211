"""`gotong canvas-projector verify`: the same offline check as `python -m canvas_projector.verify`."""

import json

from click.testing import CliRunner

from canvas_projector.entrypoints.cli import cli

from .test_receipt_verification import VKEY, receipt


def test_a_genuine_receipt_verifies_and_a_tampered_one_does_not(tmp_path):
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt(3)))
    result = CliRunner().invoke(cli, ["verify", str(path), "--key", VKEY])
    assert result.exit_code == 0, result.output
    assert result.output == "verified: record pay-3 is leaf 3 of transparansi.test/log at size 8\n"
    tampered = receipt(3)
    tampered["record"] = {**tampered["record"], "amount": 7_500_000}
    result = CliRunner().invoke(cli, ["verify", "-", "--key", VKEY], input=json.dumps(tampered))
    assert result.exit_code == 1
    assert "NOT VERIFIED" in result.output
