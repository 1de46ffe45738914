"""Counts how many tensors of a model have an inferred shape (value_info or graph outputs),
over every graph including subgraphs: the measure `qtool preprocess` is compared on."""

from __future__ import annotations

from dataclasses import dataclass

import onnx


@dataclass
class ShapeCounts:
    tensors: int = 0      # node outputs in all graphs
    full: int = 0         # rank known and every dim a size or a name
    concrete: int = 0     # every dim a size


def _graphs(graph: onnx.GraphProto):
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from _graphs(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    yield from _graphs(sub)


def count(model: onnx.ModelProto) -> ShapeCounts:
    counts = ShapeCounts()
    for graph in _graphs(model.graph):
        infos = {v.name: v for v in list(graph.value_info) + list(graph.output)}
        for node in graph.node:
            for name in node.output:
                if not name:
                    continue
                counts.tensors += 1
                info = infos.get(name)
                if info is None or not info.type.HasField("tensor_type") or not info.type.tensor_type.HasField("shape"):
                    continue
                dims = info.type.tensor_type.shape.dim
                if all(d.HasField("dim_value") or d.HasField("dim_param") for d in dims):
                    counts.full += 1
                if all(d.HasField("dim_value") for d in dims):
                    counts.concrete += 1
    return counts
