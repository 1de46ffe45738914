#!/usr/bin/env python3
"""Writes Fixtures/malformed/: hostile inputs every qtool subcommand must refuse cleanly.

Each file is small on disk but asks for something huge or absurd: a length near 2^63, a
million levels of nesting, dims whose product overflows, external data that points out of
the model's folder. `make test` replays them through the loader fuzz target
(`qtool-fuzz Fixtures/malformed`) and Tests/Interop/test_hostile.py feeds them to every
subcommand. Crashers that `make fuzz` finds are committed here too, under their libFuzzer
names (crash-<sha1>), once fixed. Deterministic: running it twice gives the same bytes.

    .venv/bin/python Fixtures/gen/make_malformed.py
"""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper

OUT = Path(__file__).resolve().parents[1] / "malformed"

# ModelProto field numbers (onnx.proto): ir_version 1, graph 7, opset_import 8.
GRAPH = 7
UNUSED_FIELD = 15   # not a ModelProto field: read as an unknown field


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(field: int, wire_type: int) -> bytes:
    return varint(field << 3 | wire_type)


def header() -> bytes:
    """ir_version 8 and an opset import, so the file starts like a real model."""
    opset = tag(1, 2) + varint(0) + tag(2, 0) + varint(13)          # domain "", version 13
    return tag(1, 0) + varint(8) + tag(8, 2) + varint(len(opset)) + opset


def length_near_2_63() -> bytes:
    return header() + tag(GRAPH, 2) + varint(2**63 - 1) + b"\x0a\x01g"


def length_past_end() -> bytes:
    return header() + tag(GRAPH, 2) + varint(2**31 + 5) + b"\x0a\x01g"


def million_nested_groups() -> bytes:
    """A million unknown start-group tags: the reader must stop at its depth limit."""
    return header() + tag(UNUSED_FIELD, 3) * 1_000_000


def deeply_nested_graphs(levels: int = 20_000) -> bytes:
    """graph → node → attribute(g) → graph → ... encoded from the inside out."""
    inner = b""
    for _ in range(levels):
        attribute = tag(1, 2) + varint(4) + b"body" + tag(20, 0) + varint(5) + tag(6, 2) + varint(len(inner)) + inner
        node = tag(4, 2) + varint(2) + b"If" + tag(5, 2) + varint(len(attribute)) + attribute
        inner = tag(1, 2) + varint(len(node)) + node
    return header() + tag(GRAPH, 2) + varint(len(inner)) + inner


def model(initializer: TensorProto, output_dims) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["w"], ["y"])], "hostile", [],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_dims)], [initializer])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def dims_overflow() -> bytes:
    """dims multiply past 2^64; there is no data at all."""
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**31, 2**31, 2**31, 4])
    return model(w, None).SerializeToString()


def dims_huge_without_data() -> bytes:
    """2^40 floats declared (4 TiB), 16 bytes present."""
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**40], raw_data=b"\0" * 16)
    return model(w, [2**40]).SerializeToString()


def negative_dim() -> bytes:
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[-3, 4], raw_data=b"\0" * 48)
    return model(w, None).SerializeToString()


def external(location: str) -> bytes:
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return model(w, [4]).SerializeToString()


def external_huge_length() -> bytes:
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4], data_location=TensorProto.EXTERNAL)
    for key, value in (("location", "weights.bin"), ("offset", str(2**62)), ("length", str(2**62))):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return model(w, [4]).SerializeToString()


FILES = {
    "length_near_2_63.onnx": length_near_2_63,
    "length_past_end.onnx": length_past_end,
    "million_nested_groups.onnx": million_nested_groups,
    "deeply_nested_graphs.onnx": deeply_nested_graphs,
    "dims_overflow.onnx": dims_overflow,
    "dims_huge_without_data.onnx": dims_huge_without_data,
    "negative_dim.onnx": negative_dim,
    "external_parent_escape.onnx": lambda: external("../../etc/passwd"),
    "external_absolute_path.onnx": lambda: external("/etc/passwd"),
    "external_huge_offset.onnx": external_huge_length,
}


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, make in FILES.items():
        (OUT / name).write_bytes(make())


if __name__ == "__main__":
    main()
