"""Shared helpers for qtool's interop tests (imported by conftest and tests)."""

from __future__ import annotations

import functools
import hashlib
import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import onnx
import pytest
from onnx import AttributeProto, GraphProto, ModelProto, TensorProto

REPO = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO / "Fixtures" / "models"
QTOOL = Path(os.environ.get("QTOOL", str(REPO / ".build" / "release" / "qtool")))
SHARED_DIR = Path(os.environ.get("QTOOL_SHARED_MODELS", str(REPO.parent / "shared" / "models")))

DEFAULT_TIMEOUT = 120.0


# --------------------------------------------------------------------------
# models under test
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Model:
    id: str          # "fixtures/x.onnx" or "shared/y.onnx"
    path: Path
    kind: str        # "valid" | "exotic"
    origin: str      # "fixtures" | "shared"

    @property
    def valid(self) -> bool:
        return self.kind == "valid"


def read_manifest() -> dict[str, str]:
    kinds: dict[str, str] = {}
    with open(FIXTURES_DIR / "MANIFEST.txt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, kind = line.split()[:2]
            assert kind in ("valid", "exotic"), line
            kinds[name] = kind
    return kinds


def fixture_models() -> list[Model]:
    kinds = read_manifest()
    out = []
    for p in sorted(FIXTURES_DIR.glob("*.onnx")):
        # an .onnx missing from the manifest is reported by test_manifest_complete
        out.append(Model(f"fixtures/{p.name}", p, kinds.get(p.name, "exotic"), "fixtures"))
    return out


def shared_models() -> list[Model]:
    if not SHARED_DIR.is_dir():
        return []
    # every shared model loads and runs in onnxruntime (shared/models/MANIFEST.md);
    # the checker is asserted on the input too before relying on it.
    return [Model(f"shared/{p.name}", p, "valid", "shared") for p in sorted(SHARED_DIR.glob("*.onnx"))]


def all_models() -> list[Model]:
    return fixture_models() + shared_models()


def model_params(models: list[Model], shared_placeholder: bool = True) -> list:
    """pytest params for models; when the shared folder is absent, one skipped
    placeholder stands for its models (so the skip is visible)."""
    params = [pytest.param(m, id=m.id) for m in models]
    if shared_placeholder and not SHARED_DIR.is_dir():
        params.append(pytest.param(None, id="shared-models-absent", marks=pytest.mark.skip(
            reason=f"shared models folder {SHARED_DIR} is absent")))
    return params


# --------------------------------------------------------------------------
# running qtool
# --------------------------------------------------------------------------

def run_qtool(*args: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT, cwd: str | os.PathLike | None = None
              ) -> subprocess.CompletedProcess:
    cmd = [str(QTOOL)] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)
    p.stdout_text = p.stdout.decode("utf-8", "replace")
    p.stderr_text = p.stderr.decode("utf-8", "replace")
    return p


def describe(p: subprocess.CompletedProcess) -> str:
    return (f"command: {' '.join(str(a) for a in p.args)}\nexit: {p.returncode}\n"
            f"stdout: {p.stdout_text[-2000:]!r}\nstderr: {p.stderr_text[-2000:]!r}")


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def is_canonical(path: str | os.PathLike) -> bool:
    data = Path(path).read_bytes()
    return onnx.load(str(path), load_external_data=False).SerializeToString() == data


# --------------------------------------------------------------------------
# walking a model
# --------------------------------------------------------------------------

def subgraphs_of_node(node: onnx.NodeProto) -> Iterator[GraphProto]:
    for a in node.attribute:
        if a.HasField("g"):
            yield a.g
        yield from a.graphs


def all_graphs(graph: GraphProto) -> Iterator[GraphProto]:
    """graph and every subgraph nested in node attributes, depth first."""
    yield graph
    for n in graph.node:
        for g in subgraphs_of_node(n):
            yield from all_graphs(g)


def all_tensors(model: ModelProto) -> Iterator[TensorProto]:
    """Every TensorProto of the model: initializers, sparse parts, attribute
    tensors, in the main graph, nested graphs, functions and training info."""

    def from_attr(a: AttributeProto):
        if a.HasField("t"):
            yield a.t
        yield from a.tensors
        if a.HasField("sparse_tensor"):
            yield a.sparse_tensor.values
            yield a.sparse_tensor.indices
        for s in a.sparse_tensors:
            yield s.values
            yield s.indices
        if a.HasField("g"):
            yield from from_graph(a.g)
        for g in a.graphs:
            yield from from_graph(g)

    def from_nodes(nodes):
        for n in nodes:
            for a in n.attribute:
                yield from from_attr(a)

    def from_graph(g: GraphProto):
        yield from g.initializer
        for s in g.sparse_initializer:
            yield s.values
            yield s.indices
        yield from from_nodes(g.node)

    yield from from_graph(model.graph)
    for f in model.functions:
        yield from from_nodes(f.node)
    for t in model.training_info:
        yield from from_graph(t.initialization)
        yield from from_graph(t.algorithm)


def external_info(t: TensorProto) -> dict[str, str]:
    return {e.key: e.value for e in t.external_data}


def is_external(t: TensorProto) -> bool:
    return t.HasField("data_location") and t.data_location == TensorProto.EXTERNAL


def normalized(model: ModelProto) -> ModelProto:
    """Copy of a loaded model where an explicitly set data_location=DEFAULT is
    cleared: onnx.load sets it on every tensor it reads from a side file, so a
    model stored inline and the same model stored externally differ only by it."""
    m = ModelProto()
    m.CopyFrom(model)
    for t in all_tensors(m):
        if t.HasField("data_location") and t.data_location == TensorProto.DEFAULT:
            t.ClearField("data_location")
    return m


# --------------------------------------------------------------------------
# what `qtool inspect --json` must report, computed with the onnx package
# --------------------------------------------------------------------------

ELEM_BITS = {
    TensorProto.FLOAT: 32, TensorProto.UINT8: 8, TensorProto.INT8: 8, TensorProto.UINT16: 16,
    TensorProto.INT16: 16, TensorProto.INT32: 32, TensorProto.INT64: 64, TensorProto.BOOL: 8,
    TensorProto.FLOAT16: 16, TensorProto.DOUBLE: 64, TensorProto.UINT32: 32, TensorProto.UINT64: 64,
    TensorProto.COMPLEX64: 64, TensorProto.COMPLEX128: 128, TensorProto.BFLOAT16: 16,
    TensorProto.FLOAT8E4M3FN: 8, TensorProto.FLOAT8E4M3FNUZ: 8, TensorProto.FLOAT8E5M2: 8,
    TensorProto.FLOAT8E5M2FNUZ: 8, TensorProto.UINT4: 4, TensorProto.INT4: 4, TensorProto.FLOAT4E2M1: 4,
    TensorProto.FLOAT8E8M0: 8, TensorProto.UINT2: 2, TensorProto.INT2: 2,
}


def elem_type_name(elem_type: int) -> str:
    """'float', 'uint8', 'float8e4m3fn', ...: the TensorProto.DataType name in lower case."""
    return TensorProto.DataType.Name(elem_type).lower()


def element_count(t: TensorProto) -> int:
    return math.prod(t.dims)  # prod([]) == 1: a scalar has one element


def tensor_bytes(t: TensorProto) -> int:
    if t.data_type == TensorProto.STRING:
        return sum(len(s) for s in t.string_data)
    return (element_count(t) * ELEM_BITS[t.data_type] + 7) // 8


def value_info_json(vi: onnx.ValueInfoProto) -> dict:
    d: dict = {"name": vi.name}
    if vi.type.HasField("tensor_type"):
        tt = vi.type.tensor_type
        d["elem_type"] = elem_type_name(tt.elem_type)
        if tt.HasField("shape"):
            shape = []
            for dim in tt.shape.dim:
                if dim.HasField("dim_value"):
                    shape.append(dim.dim_value)
                elif dim.HasField("dim_param"):
                    shape.append(dim.dim_param)
                else:
                    shape.append(None)
            d["shape"] = shape
        else:
            d["shape"] = None  # unknown rank
    return d


def op_histogram(graphs) -> dict[str, int]:
    """Op counts; ops of a domain other than ai.onnx are named `domain.op_type`."""
    h: dict[str, int] = {}
    for g in graphs:
        for n in g.node:
            key = n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}"
            h[key] = h.get(key, 0) + 1
    return h


@functools.lru_cache(maxsize=None)
def expected_inspect(path: Path) -> dict:
    m = onnx.load(str(path), load_external_data=False)
    bytes_by_type: dict[str, int] = {}
    count = 0
    # Initializers of the main graph and of every graph nested in it.
    for t in (t for g in all_graphs(m.graph) for t in g.initializer):
        count += element_count(t)
        key = elem_type_name(t.data_type)
        bytes_by_type[key] = bytes_by_type.get(key, 0) + tensor_bytes(t)
    ext = sorted({external_info(t).get("location", "") for t in all_tensors(m) if is_external(t)})
    return {
        "ir_version": m.ir_version,
        "opsets": sorted(({"domain": o.domain, "version": o.version} for o in m.opset_import),
                         key=lambda d: (d["domain"], d["version"])),
        # An absent field is null (onnx reads it as ''): qtool tells absent from empty.
        "producer_name": m.producer_name if m.HasField("producer_name") else None,
        "producer_version": m.producer_version if m.HasField("producer_version") else None,
        "inputs": [value_info_json(v) for v in m.graph.input],
        "outputs": [value_info_json(v) for v in m.graph.output],
        "op_histogram": op_histogram([m.graph]),
        "op_histogram_all": op_histogram(all_graphs(m.graph)),
        "parameters": {"count": count, "bytes_by_type": bytes_by_type},
        "external_data_files": ext,
    }
