"""Static and dynamic quantization: qtool quantize-static / quantize-dynamic against onnxruntime's
quantize_static / quantize_dynamic on every shared model, side by side: task metric (float → quantized), worst float-output SQNR, wall time and peak
RSS of the quantizing process (/usr/bin/time -v), then qtool / onnxruntime ratios.

Protocol (../shared/models/MANIFEST.md): calibrate on the first `cal` samples sorted by name,
evaluate on the rest. Both tools read the same calibration samples; onnxruntime's preprocess is
not applied (as in ORT_BASELINE.md). Every quantized model is evaluated in onnxruntime.

Modes: static_default (each tool's defaults; onnxruntime: QDQ, per-tensor, int8/int8, MinMax), static_minmax_pc
(per-channel MinMax on both sides),
static_entropy (per-channel, Entropy), qtool_best (qtool only, options per model from
QTOOL_BEST below), dynamic (quantize_dynamic defaults on both sides: int8 weights per tensor) and
dynamic_pc (per channel). Dynamic rows add the model size ratio quantized / float, onnxruntime's
latency of the quantized model against the float one (median of LATENCY_RUNS runs on one
evaluation sample, 2 threads) and, for MiniLM, the nearest-neighbour rank agreement.

Options (each also an environment variable, so `make bench` can pass them):
  --models a,b     BENCH_MODELS   model keys (digits_cnn, ocr_rec, ...) or file names
  --modes a,b      BENCH_MODES    static_default, static_minmax_pc, static_entropy, qtool_best
  --tools a,b      BENCH_TOOLS    onnxruntime, qtool
  --quick          BENCH_QUICK=1  evaluate on at most BENCH_QUICK_EVAL (default 20) samples
Environment: QTOOL (binary), QTOOL_SHARED_MODELS (models folder), BENCH_TIMEOUT (s, default 1800).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import quant_metrics as qm  # noqa: E402
from shared_data import DATA_SETS, write_calibration  # noqa: E402

REPO = HERE.parent
SHARED = Path(os.environ.get("QTOOL_SHARED_MODELS", str(REPO.parent / "shared" / "models"))).resolve()
QTOOL = os.environ.get("QTOOL", str(REPO / ".build" / "release" / "qtool"))
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "1800"))
QUICK_EVAL = int(os.environ.get("BENCH_QUICK_EVAL", "20"))

# qtool options of the `qtool_best` row, per model (tuned by hand; unlisted models get DEFAULT_BEST;
# BENCH_BEST_OPTIONS="--calibrate-method mse" replaces them all, for tuning).
DEFAULT_BEST: list[str] = []
QTOOL_BEST: dict[str, list[str]] = {
    "digits_cnn": ["--calibrate-method", "minmax"],
    "ocr_rec": ["--calibrate-method", "mse"],
    "ocr_cls": ["--calibrate-method", "percentile"],
    "mobilenet_v2": ["--calibrate-method", "mse"],
    "minilm_l3": ["--activation-type", "qint16"],
    "silero_vad": ["--calibrate-method", "minmax"],
    "silero_vad_ov": ["--calibrate-method", "minmax"],
}

# mode → (onnxruntime quantize_static keyword options, qtool quantize-static options)
MODES: dict[str, tuple[dict | None, list[str]]] = {
    # Each tool's own defaults (qtool: per channel, MSE).
    "static_default": ({}, []),
    # The same settings on both sides.
    "static_minmax_pc": ({"per_channel": True}, ["--per-channel", "--calibrate-method", "minmax"]),
    "static_entropy": ({"per_channel": True, "calibrate_method": "Entropy"}, ["--per-channel", "--calibrate-method", "entropy"]),
    "qtool_best": (None, []),  # qtool only; options from QTOOL_BEST
    # quantize_dynamic / quantize-dynamic: no calibration.
    "dynamic": ({}, []),
    "dynamic_pc": ({"per_channel": True}, ["--per-channel"]),
}
DYNAMIC_MODES = {"dynamic", "dynamic_pc"}
LATENCY_RUNS = int(os.environ.get("BENCH_LATENCY_RUNS", "30"))
TOOLS = ("onnxruntime", "qtool")


@dataclass(frozen=True)
class ModelSpec:
    key: str        # short name used in tables and filters
    file: str       # file in the shared models folder
    data: str       # data set folder under data/ (one subfolder per graph input)
    n: int          # samples in the data set (MANIFEST table)
    cal: int        # calibration samples: the first `cal` by name
    task: str       # digits | ocr_rec | ocr_cls | top1 | vad | cosine


MODELS = [
    ModelSpec("digits_cnn", "digits_cnn.onnx", DATA_SETS["digits_cnn.onnx"], 450, 100, "digits"),
    ModelSpec("ocr_rec", "ocr_rec_ppocrv4.onnx", DATA_SETS["ocr_rec_ppocrv4.onnx"], 100, 50, "ocr_rec"),
    ModelSpec("ocr_cls", "ocr_cls_ppocr_mobile_v2.onnx", DATA_SETS["ocr_cls_ppocr_mobile_v2.onnx"], 100, 50, "ocr_cls"),
    ModelSpec("mobilenet_v2", "mobilenet_v2.onnx", DATA_SETS["mobilenet_v2.onnx"], 16, 8, "top1"),
    ModelSpec("minilm_l3", "paraphrase_minilm_l3_v2.onnx", DATA_SETS["paraphrase_minilm_l3_v2.onnx"], 300, 100, "cosine"),
    ModelSpec("silero_vad", "silero_vad.onnx", DATA_SETS["silero_vad.onnx"], 200, 100, "vad"),
    ModelSpec("silero_vad_ov", "silero_vad_openvino_16k.onnx", DATA_SETS["silero_vad_openvino_16k.onnx"], 200, 100, "vad"),
]

METRIC_NAMES = {"digits": "accuracy", "ocr_rec": "char_acc", "ocr_cls": "accuracy", "top1": "top1_agreement",
                "vad": "decision_agreement", "cosine": "cosine"}


# --------------------------------------------------------------------------
# onnxruntime worker: `bench_quantize.py --ort-worker MODEL OUT CALDIR MODE INPUTS_JSON`, run as
# its own process under /usr/bin/time so wall time and peak RSS are those of quantize_static alone
# (plus the interpreter and imports, as in ORT_BASELINE.md).
# --------------------------------------------------------------------------

def ort_worker(model: str, output: str, cal_dir: str, mode: str, inputs_json: str) -> int:
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, quantize_dynamic, quantize_static

    if mode in DYNAMIC_MODES:
        quantize_dynamic(model, output, **MODES[mode][0])
        return 0

    inputs = json.loads(inputs_json)
    folders = {name: Path(cal_dir) / name.replace("/", "_") for name in inputs}
    files = sorted(p.name for p in folders[inputs[0]].glob("*.npy"))

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.index = 0

        def get_next(self):
            if self.index >= len(files):
                return None
            name = files[self.index]
            self.index += 1
            return {i: np.load(folders[i] / name) for i in inputs}

    options = dict(MODES[mode][0])
    if "calibrate_method" in options:
        options["calibrate_method"] = getattr(CalibrationMethod, options["calibrate_method"])
    quantize_static(model, output, Reader(), **options)
    return 0


# --------------------------------------------------------------------------
# data and evaluation
# --------------------------------------------------------------------------

def graph_io(model_path: Path) -> tuple[list[str], list[str]]:
    """The model's graph inputs (initializers excluded) and its float outputs."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16, onnx.TensorProto.DOUBLE}
    outputs = [o.name for o in model.graph.output if o.type.tensor_type.elem_type in floats]
    return inputs, outputs


def load_samples(spec: ModelSpec, inputs: list[str]) -> tuple[list[str], list[dict[str, np.ndarray]]]:
    folder = SHARED / "data" / spec.data
    names = sorted(p.name for p in (folder / inputs[0].replace("/", "_")).glob("*.npy"))
    if len(names) != spec.n:
        print(f"warning: {spec.key}: {len(names)} samples in {folder}, MANIFEST says {spec.n}", file=sys.stderr)
    return names, [{i: np.load(folder / i.replace("/", "_") / n) for i in inputs} for n in names]


def latency_ms(path: Path, sample: dict[str, np.ndarray]) -> float:
    """onnxruntime's median latency on one sample, 2 threads, after a warm-up run."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    session.run(None, sample)
    times = []
    for _ in range(LATENCY_RUNS):
        start = time.perf_counter()
        session.run(None, sample)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def run_model(path: Path, samples: list[dict[str, np.ndarray]], outputs: list[str]) -> list[dict[str, np.ndarray]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: no "Removing initializer" warnings in the report
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    produced = {o.name for o in session.get_outputs()}
    missing = [o for o in outputs if o not in produced]
    if missing:
        raise RuntimeError(f"quantized model lacks outputs {missing}")
    results = []
    for sample in samples:
        values = session.run(outputs, sample)
        results.append(dict(zip(outputs, values)))
    return results


@dataclass
class Task:
    """Scores a model's outputs on the evaluation samples: task metric against labels or the
    float model's outputs."""
    spec: ModelSpec
    names: list[str]                                   # evaluation sample file names
    reference: list[dict[str, np.ndarray]] = field(default_factory=list)  # float outputs
    labels: list = field(default_factory=list)
    characters: list[str] = field(default_factory=list)

    def prepare(self) -> None:
        data = SHARED / "data" / self.spec.data
        if self.spec.task == "digits":
            rows = qm.read_tsv(data / "labels.tsv")
            self.labels = [int(rows[n][0]) for n in self.names]
        elif self.spec.task == "ocr_cls":
            rows = qm.read_tsv(data / "labels.tsv")
            self.labels = [{"0": 0, "180": 1}[rows[n][0]] for n in self.names]
        elif self.spec.task == "ocr_rec":
            rows = qm.read_tsv(data / "gt.tsv")
            self.labels = [rows[n][0] for n in self.names]
            self.characters = qm.read_dictionary(data / "ppocr_keys_v1.txt")

    def score(self, outputs: list[dict[str, np.ndarray]], first_output: str) -> float:
        values = [o[first_output] for o in outputs]
        reference = [o[first_output] for o in self.reference]
        task = self.spec.task
        if task in ("digits", "ocr_cls"):
            return qm.accuracy([qm.argmax_class(v) for v in values], self.labels)
        if task == "ocr_rec":
            return qm.char_accuracy([qm.ctc_greedy_decode(v, self.characters) for v in values], self.labels)
        if task == "top1":
            return qm.top1_agreement(reference, values)
        if task == "vad":
            return qm.decision_agreement([float(np.ravel(r)[0]) for r in reference], [float(np.ravel(v)[0]) for v in values])
        if task == "cosine":
            return qm.mean_cosine(reference, values)
        raise ValueError(task)


TASK_OUTPUT = {"cosine": "461"}  # the output the task metric reads; default: the first float output


# --------------------------------------------------------------------------
# running the quantizers
# --------------------------------------------------------------------------

@dataclass
class Row:
    model: str
    mode: str
    tool: str
    metric: float | None = None
    float_metric: float | None = None
    metric_name: str = ""
    sqnr: float | None = None
    wall: float | None = None
    cpu: float | None = None
    rss_mb: float | None = None
    error: str | None = None
    size_ratio: float | None = None     # quantized / float file size
    latency_ratio: float | None = None  # onnxruntime latency quantized / float
    latency_ms: float | None = None
    rank: float | None = None           # MiniLM nearest-neighbour agreement


@dataclass
class Run:
    code: int
    stderr: str
    wall: float | None = None   # s, elapsed
    cpu: float | None = None    # s, user + system (less sensitive to a busy machine than wall)
    rss_mb: float | None = None  # peak resident set, MiB


def timed(command: list[str], workdir: Path, log: Path) -> Run:
    """Runs a command under /usr/bin/time -v."""
    stats = log.with_suffix(".time")
    start = time.perf_counter()
    try:
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", str(stats), *command], cwd=workdir,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return Run(-1, f"timeout after {TIMEOUT:.0f} s", wall=time.perf_counter() - start)
    except OSError as error:
        return Run(-1, f"{type(error).__name__}: {error}")
    log.write_text(proc.stdout + proc.stderr)
    text = stats.read_text() if stats.exists() else ""
    run = Run(proc.returncode, proc.stderr)
    match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    if match:
        hours, minutes, seconds = match.groups()
        run.wall = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    if user and system:
        run.cpu = float(user.group(1)) + float(system.group(1))
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if match:
        run.rss_mb = int(match.group(1)) / 1024.0
    return run


def last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    # /usr/bin/time appends "Command exited with non-zero status N"; skip it
    lines = [line for line in lines if not line.startswith("Command exited with non-zero status")]
    # swift-argument-parser prints "Error: ..." before its usage lines; prefer that line
    errors = [line for line in lines if line.startswith("Error:")]
    return (errors[-1] if errors else lines[-1] if lines else "no message")[:160]


def quantize(tool: str, mode: str, spec: ModelSpec, model: Path, output: Path, cal_dir: Path,
             inputs: list[str], workdir: Path) -> Run:
    log = workdir / f"{spec.key}.{mode}.{tool}.log"
    if tool == "onnxruntime":
        command = [sys.executable, str(Path(__file__).resolve()), "--ort-worker", str(model), str(output), str(cal_dir),
                   mode, json.dumps(inputs)]
    else:
        best = os.environ["BENCH_BEST_OPTIONS"].split() if os.environ.get("BENCH_BEST_OPTIONS") else QTOOL_BEST.get(spec.key, DEFAULT_BEST)
        options = best if mode == "qtool_best" else MODES[mode][1]
        if mode in DYNAMIC_MODES:
            command = [QTOOL, "quantize-dynamic", "--input", str(model), "--output", str(output), *options]
        else:
            command = [QTOOL, "quantize-static", "--input", str(model), "--output", str(output),
                       "--calibrate-dataset", str(cal_dir), *options]
    return timed(command, workdir, log)


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------

def fmt_sqnr(value: float | None) -> str:
    if value is None:
        return ""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.1f}"


def fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def metric_text(row: Row) -> str:
    if row.error:
        return "fails: `" + row.error.replace("|", "\\|").replace("`", "'") + "`"
    return f"{row.metric_name} {row.float_metric:.3f} → {row.metric:.3f}"


def print_dynamic_table(rows: list[Row]) -> None:
    dynamic = [r for r in rows if r.mode in DYNAMIC_MODES]
    if not dynamic:
        return
    print()
    print("Dynamic quantization (size and latency: quantized / float, latency in onnxruntime)")
    print()
    print("| model | mode | tool | task metric (float → quantized) | rank agreement | SQNR dB | wall s | peak RSS MB | size | latency |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in dynamic:
        latency = f"{r.latency_ratio:.2f}× ({r.latency_ms:.2f} ms)" if r.latency_ratio is not None else ""
        size = f"{r.size_ratio:.2f}" if r.size_ratio is not None else ""
        print(f"| {r.model} | {r.mode} | {r.tool} | {metric_text(r)} | {fmt(r.rank, 3)} | {fmt_sqnr(r.sqnr)} | {fmt(r.wall, 2)} "
              f"| {fmt(r.rss_mb, 0)} | {size} | {latency} |")


def print_tables(rows: list[Row]) -> None:
    print_dynamic_table(rows)
    rows = [r for r in rows if r.mode not in DYNAMIC_MODES]
    if not rows:
        return
    print()
    print("| model | mode | tool | task metric (float → quantized) | SQNR dB | wall s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.model} | {r.mode} | {r.tool} | {metric_text(r)} | {fmt_sqnr(r.sqnr)} | {fmt(r.wall, 2)} | {fmt(r.rss_mb, 0)} |")

    pairs = []
    for r in rows:
        if r.tool != "qtool":
            continue
        if r.mode == "qtool_best":
            # against onnxruntime's best mode on this model (task metric, then SQNR)
            candidates = [o for o in rows if o.model == r.model and o.tool == "onnxruntime" and not o.error]
            if not candidates:
                continue
            ref = max(candidates, key=lambda o: (o.metric, o.sqnr if o.sqnr is not None else -math.inf))
        else:
            ref = next((o for o in rows if o.model == r.model and o.mode == r.mode and o.tool == "onnxruntime"), None)
            if ref is None:
                continue
        pairs.append((r, ref))
    if not pairs:
        return
    print()
    print("qtool / onnxruntime (qtool_best is compared with onnxruntime's best mode on the model; < 1 is better)")
    print()
    print("| model | mode | vs onnxruntime | task metric ort → qtool | SQNR dB ort → qtool | wall ratio | RSS ratio |")
    print("|---|---|---|---|---|---|---|")
    for q, o in pairs:
        def ratio(a, b):
            return f"{a / b:.2f}x" if a is not None and b else ""
        metric = "" if (q.error or o.error) else f"{o.metric:.3f} → {q.metric:.3f}"
        if q.error:
            metric = "qtool fails"
        elif o.error:
            metric = f"ort fails → {q.metric:.3f}"
        sq = f"{fmt_sqnr(o.sqnr)} → {fmt_sqnr(q.sqnr)}" if not (q.error or o.error) else ""
        wall = ratio(q.wall, o.wall) if not (q.error or o.error) else ""
        rss = ratio(q.rss_mb, o.rss_mb) if not (q.error or o.error) else ""
        print(f"| {q.model} | {q.mode} | {o.mode} | {metric} | {sq} | {wall} | {rss} |")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    def env_list(name: str) -> str:
        return os.environ.get(name, "")

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=env_list("BENCH_MODELS"), help="comma-separated model keys or file names")
    parser.add_argument("--modes", default=env_list("BENCH_MODES"), help="comma-separated: " + ", ".join(MODES))
    parser.add_argument("--tools", default=env_list("BENCH_TOOLS"), help="comma-separated: " + ", ".join(TOOLS))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0"),
                        help=f"evaluate on at most {QUICK_EVAL} samples (BENCH_QUICK_EVAL)")
    args = parser.parse_args(argv)

    def split(text: str, allowed, what: str) -> list[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        unknown = [t for t in items if t not in allowed]
        if unknown:
            parser.error(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(allowed)})")
        return items or list(allowed)

    known_models = list(dict.fromkeys([m.key for m in MODELS] + [m.file for m in MODELS]
                                      + [m.file.removesuffix(".onnx") for m in MODELS]))
    wanted = split(args.models, known_models, "models")
    args.models = [m for m in MODELS if m.key in wanted or m.file in wanted or m.file.removesuffix(".onnx") in wanted]
    args.modes = split(args.modes, list(MODES), "modes")
    args.tools = split(args.tools, list(TOOLS), "tools")
    return args


def bench_model(spec: ModelSpec, args: argparse.Namespace, root: Path) -> list[Row]:
    model = SHARED / spec.file
    if not model.is_file():
        print(f"{spec.key}: {model} missing, skipped", flush=True)
        return []
    inputs, float_outputs = graph_io(model)
    names, samples = load_samples(spec, inputs)
    cal_names, cal = names[:spec.cal], samples[:spec.cal]
    eval_names, evaluation = names[spec.cal:], samples[spec.cal:]
    if args.quick:
        eval_names, evaluation = eval_names[:QUICK_EVAL], evaluation[:QUICK_EVAL]

    work = root / spec.key
    cal_dir = work / "calibration"
    write_calibration(cal, cal_dir, names=cal_names)

    task = Task(spec, eval_names)
    task.prepare()
    task.reference = run_model(model, evaluation, float_outputs)
    first = TASK_OUTPUT.get(spec.task, float_outputs[0])
    float_metric = task.score(task.reference, first)
    metric_name = METRIC_NAMES[spec.task]
    print(f"{spec.key}: {len(cal)} calibration / {len(evaluation)} evaluation samples, float {metric_name} "
          f"{float_metric:.3f}, float outputs {float_outputs}", flush=True)
    if spec.task == "vad":
        check_vad_reference(spec, task, eval_names)

    rows = []
    float_latency = None
    for mode in args.modes:
        tools = ["qtool"] if mode == "qtool_best" else TOOLS
        for tool in tools:
            if tool not in args.tools:
                continue
            row = Row(spec.key, mode, tool, float_metric=float_metric, metric_name=metric_name)
            output = work / f"{mode}.{tool}.onnx"
            run = quantize(tool, mode, spec, model, output, cal_dir, inputs, work)
            row.wall, row.cpu, row.rss_mb = run.wall, run.cpu, run.rss_mb
            if run.code != 0 or not output.is_file():
                row.error = last_line(run.stderr) if run.code != 0 else "exited 0 but wrote no model"
            else:
                try:
                    quantized = run_model(output, evaluation, float_outputs)
                    row.metric = task.score(quantized, first)
                    row.sqnr, _ = qm.worst_sqnr(task.reference, quantized, float_outputs)
                    if mode in DYNAMIC_MODES:
                        if float_latency is None:
                            float_latency = latency_ms(model, evaluation[0])
                        row.size_ratio = output.stat().st_size / model.stat().st_size
                        row.latency_ms = latency_ms(output, evaluation[0])
                        row.latency_ratio = row.latency_ms / float_latency
                        if spec.task == "cosine":
                            row.rank = qm.neighbour_agreement([o[first] for o in task.reference], [o[first] for o in quantized])
                except Exception as error:  # the quantized model does not load or run
                    message = (str(error).splitlines() or [""])[0].replace(str(work) + "/", "")
                    row.error = f"onnxruntime cannot run it: {type(error).__name__}: {message}"[:200]
            if output.is_file():
                output.unlink()
            rows.append(row)
            status = metric_text(row) + (f"  rank {row.rank:.3f}" if row.rank is not None else "")
            print(f"  {mode:15} {tool:12} {status}  SQNR {fmt_sqnr(row.sqnr)}  wall {fmt(row.wall, 2)} s  cpu {fmt(row.cpu, 2)} s  "
                  f"RSS {fmt(row.rss_mb, 0)} MB", flush=True)
    return rows


def check_vad_reference(spec: ModelSpec, task: Task, eval_names: list[str]) -> None:
    """samples.tsv records the float probability of each streaming call: the float model run on
    the sample alone (its recorded state included) must give it back."""
    rows = qm.read_tsv(SHARED / "data" / spec.data / "samples.tsv", header=True)
    worst = max(abs(float(np.ravel(r["output"])[0]) - float(rows[n][2])) for r, n in zip(task.reference, eval_names))
    if worst > 1e-3:
        print(f"warning: {spec.key}: float output differs from samples.tsv fp32_prob by up to {worst:.4f}", file=sys.stderr)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--ort-worker"]:
        return ort_worker(*argv[1:6])
    args = parse_args(argv)
    print(f"quantization: qtool ({QTOOL}) vs onnxruntime quantize_static / quantize_dynamic; models from {SHARED}"
          + (f"; quick: at most {QUICK_EVAL} evaluation samples" if args.quick else ""), flush=True)
    rows: list[Row] = []
    start = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="qtool-bench-quantize-") as tmp:
        os.chdir(tmp)  # onnxruntime drops augmented models in the working folder
        try:
            for spec in args.models:
                try:
                    rows.extend(bench_model(spec, args, Path(tmp)))
                except Exception as error:  # data or float model unusable: report and go on
                    print(f"{spec.key}: skipped: {type(error).__name__}: {error}", flush=True)
        finally:
            os.chdir(start)
    print_tables(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
