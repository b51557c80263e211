"""The status check's hot path writes its answer without the models: byte for byte what the models would write."""

import random

from registry.entrypoints.api.public import NOT_FOUND, answer, answer_json


def rows() -> list[dict | None]:
    rng = random.Random(19)
    found: list[dict | None] = [None, {"desil": None, "programs": []}, {"desil": 3, "programs": []}]
    for _ in range(500):
        programs = ["|".join([rng.choice(["PKH", "BPNT", 'P"I\\P', "Ñ"]), rng.choice(["2026-Q3", "2026-Q4"]),
                              rng.choice(["paid", "failed", "instructed"]),
                              rng.choice(["", "0", "750000", "12345678901"]), rng.choice(["", "3f2a9c", "é\u2028"])])
                    for _ in range(rng.randint(0, 4))]
        found.append({"desil": rng.choice([None, 1, 10]), "programs": programs})
    return found


def test_the_hot_paths_answer_is_what_the_models_write():
    for row in rows():
        assert answer_json(row) == answer(row).model_dump_json().encode(), row


def test_not_found_is_the_one_answer_for_none():
    assert answer_json(None) == NOT_FOUND.model_dump_json().encode()
    assert b'"found":false' in answer_json(None)
