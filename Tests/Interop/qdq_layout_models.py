"""Small float models, one per op family qtool quantizes in QDQ form, for test_qdq_layout.py.

Built in memory with fixed seeds (nothing is committed): each case is a model plus the op types
it exists to cover. Weights and inputs are small dyadic rationals (k/8, k/16), so the sums inside
Conv, Gemm and MatMul are exact in float32 whatever the accumulation order: qtool's interpreter
and onnxruntime then see the same activations, and calibration gives the same ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
SAMPLES = 4


@dataclass
class Case:
    name: str
    model: onnx.ModelProto
    covers: set[str]
    # graph input name -> one array per calibration sample
    samples: list[dict[str, np.ndarray]] = field(default_factory=list)


def dyadic(rng: np.random.Generator, shape, bound: int = 8, denominator: int = 16) -> np.ndarray:
    return (rng.integers(-bound, bound + 1, size=shape) / denominator).astype(np.float32)


class Builder:
    """Accumulates nodes and initializers of one graph; names follow the export tools' style."""

    def __init__(self, name: str, seed: int):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self.feeds: dict[str, tuple] = {}  # name -> (shape, dtype kind)

    def input(self, name: str, shape, elem=TensorProto.FLOAT, kind: str = "float") -> str:
        self.inputs.append(helper.make_tensor_value_info(name, elem, shape))
        self.feeds[name] = (tuple(shape), kind)
        return name

    def output(self, name: str, elem=TensorProto.FLOAT) -> str:
        # Dims are filled in by shape inference in build().
        self.outputs.append(helper.make_tensor_value_info(name, elem, None))
        return name

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name: str, shape) -> str:
        return self.const(name, dyadic(self.rng, shape))

    def node(self, op: str, inputs: list[str], outputs: list[str] | str, **attributes) -> list[str]:
        outputs = [outputs] if isinstance(outputs, str) else outputs
        self.nodes.append(helper.make_node(op, inputs, outputs, name=f"/{outputs[0]}/{op}", **attributes))
        return outputs

    def conv(self, x: str, out: str, c_in: int, c_out: int, bias: bool = True, **attributes) -> str:
        w = self.weight(f"{out}.weight", (c_out, c_in, 3, 3))
        inputs = [x, w] + ([self.weight(f"{out}.bias", (c_out,))] if bias else [])
        return self.node("Conv", inputs, out, pads=[1, 1, 1, 1], **attributes)[0]

    def build(self, covers: set[str]) -> Case:
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_operatorsetid("", OPSET)],
                                  producer_name="qtool-tests")
        model.ir_version = IR_VERSION
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        model.graph.ClearField("value_info")
        onnx.checker.check_model(model, full_check=True)
        return Case(self.name, model, covers, self.samples())

    def samples(self) -> list[dict[str, np.ndarray]]:
        out = []
        for _ in range(SAMPLES):
            sample = {}
            for name, (shape, kind) in self.feeds.items():
                if kind == "float":
                    sample[name] = dyadic(self.rng, shape, bound=32, denominator=8)
                elif kind == "bool":
                    sample[name] = self.rng.integers(0, 2, size=shape).astype(bool)
                else:  # indices below the bound given as kind "index<N>"
                    sample[name] = self.rng.integers(0, int(kind[5:]), size=shape).astype(np.int64)
            out.append(sample)
        return out


IMAGE = [1, 3, 8, 8]


def conv_then(name: str, seed: int, op: str, output: str, elem=TensorProto.FLOAT, **attributes) -> Case:
    """input → Conv → `op` → output."""
    b = Builder(name, seed)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    b.node(op, [y], b.output(output, elem), **attributes)
    return b.build({"Conv", op})


def conv_relu() -> Case:
    return conv_then("conv_relu", 1, "Relu", "relu")


def conv_clip() -> Case:
    b = Builder("conv_clip", 2)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    b.node("Clip", [y, b.const("lo", np.float32(0)), b.const("hi", np.float32(6))], b.output("clip"))
    return b.build({"Conv", "Clip"})


def conv_transpose() -> Case:
    b = Builder("conv_transpose", 3)
    x = b.input("input", IMAGE)
    w, bias = b.weight("deconv.weight", (3, 4, 3, 3)), b.weight("deconv.bias", (4,))
    b.node("ConvTranspose", [x, w, bias], b.output("deconv"), strides=[2, 2])
    return b.build({"ConvTranspose"})


def gemm(trans_b: int) -> Case:
    b = Builder(f"gemm_transb{trans_b}", 4 + trans_b)
    x = b.input("input", [2, 8])
    w = b.weight("fc.weight", (5, 8) if trans_b else (8, 5))
    b.node("Gemm", [x, w, b.weight("fc.bias", (5,))], b.output("fc"), transB=trans_b)
    return b.build({"Gemm"})


def matmul_constant() -> Case:
    b = Builder("matmul_constant", 6)
    b.node("MatMul", [b.input("input", [2, 3, 8]), b.weight("proj.weight", (8, 6))], b.output("proj"))
    return b.build({"MatMul"})


def matmul_activations() -> Case:
    b = Builder("matmul_activations", 7)
    b.node("MatMul", [b.input("query", [2, 4, 8]), b.input("key", [2, 8, 5])], b.output("scores"))
    return b.build({"MatMul"})


def add_mul() -> Case:
    b = Builder("add_mul", 8)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    s = b.node("Add", [y, b.input("residual", [1, 4, 8, 8])], "sum")[0]
    b.node("Mul", [s, b.weight("gain", (1, 4, 1, 1))], b.output("scaled"))
    return b.build({"Conv", "Add", "Mul"})


def concat() -> Case:
    b = Builder("concat", 9)
    x = b.input("input", IMAGE)
    left, right = b.conv(x, "left", 3, 2), b.conv(x, "right", 3, 3)
    b.node("Concat", [left, right], b.output("joined"), axis=1)
    return b.build({"Conv", "Concat"})


def pools() -> Case:
    b = Builder("pools", 10)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    m = b.node("MaxPool", [y], "max", kernel_shape=[2, 2], strides=[2, 2])[0]
    a = b.node("AveragePool", [m], "avg", kernel_shape=[2, 2], strides=[2, 2])[0]
    b.node("GlobalAveragePool", [a], b.output("global"))
    return b.build({"Conv", "MaxPool", "AveragePool", "GlobalAveragePool"})


def data_movement() -> Case:
    b = Builder("data_movement", 11)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    r = b.node("Reshape", [y, b.const("shape", np.array([1, 4, 64], np.int64))], "reshaped")[0]
    t = b.node("Transpose", [r], "transposed", perm=[0, 2, 1])[0]
    u = b.node("Unsqueeze", [t, b.const("axes", np.array([1], np.int64))], "unsqueezed")[0]
    t2 = b.node("Transpose", [u], "transposed2", perm=[0, 3, 2, 1])[0]
    s = b.node("Squeeze", [t2, b.const("squeeze_axes", np.array([3], np.int64))], "squeezed")[0]
    t3 = b.node("Transpose", [s], "transposed3", perm=[0, 2, 1])[0]
    f = b.node("Flatten", [t3], "flat", axis=1)[0]
    b.node("Gemm", [f, b.weight("fc.weight", (5, 256)), b.weight("fc.bias", (5,))], b.output("fc"), transB=1)
    return b.build({"Conv", "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Flatten", "Gemm"})


def resize() -> Case:
    b = Builder("resize", 12)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    scales = b.const("scales", np.array([1, 1, 2, 2], np.float32))
    b.node("Resize", [y, "", scales], b.output("upsampled"), mode="nearest")
    return b.build({"Conv", "Resize"})


def split() -> Case:
    b = Builder("split", 13)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    top, bottom = b.node("Split", [y, b.const("split_sizes", np.array([2, 2], np.int64))], ["top", "bottom"], axis=1)
    b.node("Add", [top, bottom], b.output("sum"))
    return b.build({"Conv", "Split", "Add"})


def pad() -> Case:
    b = Builder("pad", 14)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    pads = b.const("pads", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))
    zero_padded = b.node("Pad", [y, pads], "zero_padded")[0]
    reflected = b.node("Pad", [y, pads], "reflected", mode="reflect")[0]
    one_padded = b.node("Pad", [y, pads, b.const("one", np.float32(1))], "one_padded")[0]
    s = b.node("Add", [zero_padded, reflected], "sum")[0]
    b.node("Add", [s, one_padded], b.output("total"))
    return b.build({"Conv", "Pad", "Add"})


def gather() -> Case:
    b = Builder("gather", 15)
    ids = b.input("ids", [2, 5], TensorProto.INT64, kind="index16")
    embedded = b.node("Gather", [b.weight("embedding", (16, 8)), ids], "embedded")[0]
    h = b.node("MatMul", [embedded, b.weight("proj.weight", (8, 6))], "hidden")[0]
    b.node("Gather", [h, b.const("position", np.array(1, np.int64))], b.output("second"), axis=1)
    return b.build({"Gather", "MatMul"})


def softmax() -> Case:
    b = Builder("softmax", 16)
    h = b.node("MatMul", [b.input("input", [2, 4, 8]), b.weight("proj.weight", (8, 6))], "logits")[0]
    b.node("Softmax", [h], b.output("probabilities"), axis=-1)
    return b.build({"MatMul", "Softmax"})


def where() -> Case:
    b = Builder("where", 17)
    x = b.input("input", IMAGE)
    left, right = b.conv(x, "left", 3, 4), b.conv(x, "right", 3, 4)
    b.node("Where", [b.input("mask", [1, 4, 8, 8], TensorProto.BOOL, kind="bool"), left, right], b.output("chosen"))
    return b.build({"Conv", "Where"})


def layer_norm() -> Case:
    b = Builder("layer_norm", 18)
    h = b.node("MatMul", [b.input("input", [2, 4, 8]), b.weight("proj.weight", (8, 6))], "hidden")[0]
    b.node("LayerNormalization", [h, b.weight("norm.weight", (6,)), b.weight("norm.bias", (6,))], b.output("normed"),
           axis=-1)
    return b.build({"MatMul", "LayerNormalization"})


def instance_norm() -> Case:
    b = Builder("instance_norm", 19)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    b.node("InstanceNormalization", [y, b.weight("norm.weight", (4,)), b.weight("norm.bias", (4,))], b.output("normed"))
    return b.build({"Conv", "InstanceNormalization"})


def activations() -> Case:
    b = Builder("activations", 20)
    y = b.conv(b.input("input", IMAGE), "conv", 3, 4)
    s = b.node("Sigmoid", [y], "sigmoid")[0]
    leaky = b.node("LeakyRelu", [y], "leaky", alpha=0.125)[0]
    hard = b.node("HardSwish", [y], "hardswish")[0]
    both = b.node("Add", [s, leaky], "both")[0]
    b.node("Add", [both, hard], b.output("all"))
    return b.build({"Conv", "Sigmoid", "LeakyRelu", "HardSwish", "Add"})


def argmax() -> Case:
    return conv_then("argmax", 21, "ArgMax", "best", TensorProto.INT64, axis=1)


def shared_tensor() -> Case:
    """A Conv output read by three nodes and also a graph output; a Relu that cannot be folded
    (its input has other readers); a bias initializer shared by two Convs (copied per node)."""
    b = Builder("shared_tensor", 22)
    x = b.input("input", IMAGE)
    y = b.conv(x, "features", 3, 4)
    b.output(y)
    r = b.node("Relu", [y], "relu")[0]
    bias = b.weight("shared.bias", (4,))
    left = b.node("Conv", [r, b.weight("left.weight", (4, 4, 3, 3)), bias], "left", pads=[1, 1, 1, 1])[0]
    right = b.node("Conv", [y, b.weight("right.weight", (4, 4, 3, 3)), bias], "right", pads=[1, 1, 1, 1])[0]
    s = b.node("Add", [left, right], "sum")[0]
    b.node("Mul", [s, y], b.output("gated"))
    return b.build({"Conv", "Relu", "Add", "Mul"})


# Models where qtool differs from onnxruntime on purpose (README, quantize-static).

def isolated_cheap_ops() -> Case:
    """An Add and a Mul with no Conv, Gemm or MatMul around them."""
    b = Builder("isolated_cheap_ops", 30)
    s = b.node("Add", [b.input("input", [2, 8]), b.input("residual", [2, 8])], "sum")[0]
    b.node("Mul", [s, b.weight("gain", (8,))], b.output("scaled"))
    return b.build({"Add", "Mul"})


def constant_node_weight() -> Case:
    """A Conv whose weight is a Constant node's output, as some exporters write it."""
    b = Builder("constant_node_weight", 31)
    weight = numpy_helper.from_array(dyadic(b.rng, (4, 3, 3, 3)), "conv.weight")
    b.node("Constant", [], "conv.weight", value=weight)
    b.node("Conv", [b.input("input", IMAGE), "conv.weight"], b.output("conv"), pads=[1, 1, 1, 1])
    return b.build({"Constant", "Conv"})


def sentinel_mask(sentinel: float) -> Case:
    """Attention scores plus a mask holding `sentinel` for -inf, as exported transformers do."""
    b = Builder("sentinel_mask", 32)
    scores = b.node("MatMul", [b.input("input", [2, 4, 8]), b.weight("proj.weight", (8, 4))], "scores")[0]
    masked = b.node("Add", [scores, b.input("mask", [2, 4, 4])], "masked")[0]
    b.node("Softmax", [masked], b.output("probabilities"), axis=-1)
    case = b.build({"MatMul", "Add", "Softmax"})
    for sample in case.samples:
        sample["mask"] = np.where(sample["mask"] > 0, np.float32(sentinel), np.float32(0))
    return case


def gemm_beta() -> Case:
    b = Builder("gemm_beta", 33)
    w, bias = b.weight("fc.weight", (5, 8)), b.weight("fc.bias", (5,))
    b.node("Gemm", [b.input("input", [2, 8]), w, bias], b.output("fc"), transB=1, beta=0.5)
    return b.build({"Gemm"})


def hardswish_output() -> Case:
    return conv_then("hardswish_output", 34, "HardSwish", "hardswish")


def conv_in_if_branches() -> Case:
    """The compute of the model sits in an If's branches (silero VAD's layout)."""
    b = Builder("conv_in_if_branches", 35)
    x = b.input("input", IMAGE)
    cond = b.input("cond", [], TensorProto.BOOL, kind="bool")
    branches = []
    for label in ("then", "else"):
        w, bias = b.weight(f"{label}.weight", (4, 3, 3, 3)), b.weight(f"{label}.bias", (4,))
        conv = helper.make_node("Conv", [x, w, bias], [f"{label}_out"], name=f"/{label}/Conv", pads=[1, 1, 1, 1])
        branches.append(helper.make_graph([conv], f"{label}_branch", [],
                                          [helper.make_tensor_value_info(f"{label}_out", TensorProto.FLOAT, IMAGE[:1] + [4, 8, 8])]))
    b.node("If", [cond], b.output("chosen"), then_branch=branches[0], else_branch=branches[1])
    case = b.build({"If"})
    for index, sample in enumerate(case.samples):  # both branches run during calibration
        sample["cond"] = np.array(index % 2 == 0)
    return case


CASES = [conv_relu, conv_clip, conv_transpose, lambda: gemm(0), lambda: gemm(1), matmul_constant, matmul_activations,
         add_mul, concat, pools, data_movement, resize, split, pad, gather, softmax, where, layer_norm, instance_norm,
         activations, argmax, shared_tensor]


def all_cases() -> list[Case]:
    return [make() for make in CASES]
