"""Checkpoints in the C2SP signed-note format: signatures verify, forgeries and tampering do not."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.domain.checkpoint import Checkpoint, key_id, open_note, sign, verifier_key

KEY = Ed25519PrivateKey.generate()
NAME = "transparansi.gotong.id"
CP = Checkpoint("transparansi.gotong.id/log/v1", 8,
                bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"))


def test_note_layout_follows_c2sp():
    note = sign(CP, NAME, KEY)
    body, sig = note.split("\n\n")
    assert body.split("\n") == [CP.origin, "8", base64.b64encode(CP.root).decode()]
    assert sig.startswith(f"\u2014 {NAME} ")
    blob = base64.b64decode(sig.split(" ")[2])
    assert blob[:4] == key_id(NAME, KEY.public_key())
    assert len(blob) == 4 + 64
    assert note.endswith("\n")


def test_signed_checkpoint_opens_with_the_verifier_key():
    vkey = verifier_key(NAME, KEY.public_key())
    assert vkey.startswith(f"{NAME}+")
    assert open_note(sign(CP, NAME, KEY), vkey) == CP


def test_forged_or_tampered_notes_are_refused():
    vkey = verifier_key(NAME, KEY.public_key())
    forged = sign(CP, NAME, Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match="no signature by this key|does not verify"):
        open_note(forged, vkey)
    tampered = sign(CP, NAME, KEY).replace("\n8\n", "\n9\n")
    with pytest.raises(ValueError, match="does not verify"):
        open_note(tampered, vkey)
    other_name = verifier_key("someone.else", KEY.public_key())
    with pytest.raises(ValueError):
        open_note(sign(CP, NAME, KEY), other_name)


def test_a_verifier_key_with_a_wrong_key_id_is_refused():
    name, kid, material = verifier_key(NAME, KEY.public_key()).split("+", 2)
    with pytest.raises(ValueError, match="key id"):
        open_note(sign(CP, NAME, KEY), f"{name}+00000000+{material}")
