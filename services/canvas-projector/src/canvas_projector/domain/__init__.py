"""The projector's pure rules: the canvas, the transparency log (Merkle tree, checkpoints, receipts), open-data
figures and IATI activities. No I/O and no clock: rows, reference data and the time come in as arguments."""
