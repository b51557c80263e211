"""Signed notes and verifier keys at their edges: only a line of exactly `— <name> <signature>` counts, any
other line is skipped (not the end of the search), and malformed checkpoints, keys and roots are refused
with the reason."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.domain.checkpoint import (
    DASH,
    Checkpoint,
    open_note,
    parse_verifier_key,
    sign,
    verifier_key,
)

KEY = Ed25519PrivateKey.generate()
NAME = "transparansi.test"
VKEY = verifier_key(NAME, KEY.public_key())
CP = Checkpoint("transparansi.test/log", 8, bytes(range(32)))


def signature_line(note: str) -> str:
    return note.split("\n\n")[1].splitlines()[0]


def with_lines(*lines: str) -> str:
    return CP.body() + "\n" + "".join(f"{line}\n" for line in lines)


def test_our_signature_is_found_after_lines_by_other_keys_or_of_another_shape():
    ours = signature_line(sign(CP, NAME, KEY))
    other = signature_line(sign(CP, "someone.else", Ed25519PrivateKey.generate()))
    rotated = signature_line(sign(CP, NAME, Ed25519PrivateKey.generate()))  # our name, another key id
    assert open_note(with_lines(other, rotated, "a stray line", ours), VKEY) == CP


@pytest.mark.parametrize("mangle", [
    lambda line: line.replace(DASH, "-", 1),  # a hyphen is not the em dash
    lambda line: line + " extra",  # four fields
    lambda line: line.replace(" ", "  ", 1),  # two spaces: not three fields
    lambda line: line.replace(f" {NAME} ", f" {NAME}x ", 1),
])
def test_a_line_not_exactly_in_the_signed_note_format_is_not_a_signature(mangle):
    with pytest.raises(ValueError, match="^no signature by this key$"):
        open_note(with_lines(mangle(signature_line(sign(CP, NAME, KEY)))), VKEY)


def test_a_bad_signature_says_so():
    line = signature_line(sign(CP, NAME, KEY))
    blob = base64.b64decode(line.split(" ")[2])
    forged = f"{DASH} {NAME} {base64.b64encode(blob[:4] + bytes(64)).decode()}"
    with pytest.raises(ValueError, match="^checkpoint signature does not verify$"):
        open_note(with_lines(forged), VKEY)
    with pytest.raises(ValueError, match="^signed note has no signature block$"):
        open_note(CP.body(), VKEY)


@pytest.mark.parametrize("body", [
    "origin\n8\n",  # no root line
    "origin\nacht\nAAAA\n",  # the size is not a number
    "origin\n8\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
])
def test_a_malformed_checkpoint_is_refused(body):
    with pytest.raises(ValueError, match="^malformed checkpoint$"):
        Checkpoint.parse(body)


def test_a_root_that_is_not_strict_base64_of_32_bytes_is_refused():
    good = base64.b64encode(bytes(32)).decode()
    assert Checkpoint.parse(f"o\n8\n{good}\n").root == bytes(32)
    with pytest.raises(ValueError):
        Checkpoint.parse(f"o\n8\n{good[:10]}!{good[10:]}\n")
    with pytest.raises(ValueError, match="^root hash must be 32 bytes$"):
        Checkpoint.parse(f"o\n8\n{base64.b64encode(bytes(31)).decode()}\n")


def test_a_verifier_key_whose_base64_holds_a_plus_parses():
    for _ in range(500):
        key = Ed25519PrivateKey.generate()
        vkey = verifier_key(NAME, key.public_key())
        if "+" in vkey.split("+", 2)[2]:
            break
    else:
        pytest.fail("no key with '+' in its base64 in 500 tries")
    name, _, public = parse_verifier_key(vkey)
    assert name == NAME
    assert open_note(sign(CP, NAME, key), vkey) == CP
    assert public.public_bytes_raw() == key.public_key().public_bytes_raw()


@pytest.mark.parametrize("raw", [b"\x02" + bytes(32), b"\x01" + bytes(31), b"\x01" + bytes(33)])
def test_only_an_ed25519_key_of_32_bytes_is_a_verifier_key(raw):
    with pytest.raises(ValueError, match="^not an Ed25519 verifier key$"):
        parse_verifier_key(f"{NAME}+00000000+{base64.b64encode(raw).decode()}")


def test_a_key_id_that_does_not_match_the_key_says_so():
    name, _, material = VKEY.split("+", 2)
    with pytest.raises(ValueError, match="^verifier key id does not match its key$"):
        parse_verifier_key(f"{name}+00000000+{material}")
