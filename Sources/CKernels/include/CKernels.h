#ifndef QTOOL_CKERNELS_H
#define QTOOL_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// C = A·B (accumulate == 0) or C += A·B (accumulate != 0), single-threaded, float32.
/// A is M×K (row stride lda), or K×M when transA; B is K×N (row stride ldb), or N×K when transB.
/// Uses AVX-512 or AVX2+FMA when the CPU has them, a portable loop otherwise.
void qt_sgemm(int M, int N, int K,
              const float *A, int lda, int transA,
              const float *B, int ldb, int transB,
              float *C, int ldc, int accumulate);

/// Floats qt_sgemm_pack_b writes for a K×N matrix B (its microkernel panels, zero-padded).
size_t qt_sgemm_packed_b_size(int N, int K);

/// Packs B (K×N, or N×K when transB) once for qt_sgemm_prepacked, so that products with a
/// constant B skip packing it on every call.
void qt_sgemm_pack_b(int N, int K, const float *B, int ldb, int transB, float *out);

/// qt_sgemm with B's panels taken from `packed` (qt_sgemm_pack_b of a K×packed_n matrix),
/// columns [column, column + N) of it; column must be a multiple of 32. B (already offset to
/// `column`) is still read when M is too small for the packed path. Same results as qt_sgemm.
void qt_sgemm_prepacked(int M, int N, int K,
                        const float *A, int lda, int transA,
                        const float *B, int ldb, int transB,
                        const float *packed, int packed_n, int column,
                        float *C, int ldc, int accumulate);

/// The same product by the plain triple loop: the reference the fast path is tested against.
void qt_sgemm_reference(int M, int N, int K,
                        const float *A, int lda, int transA,
                        const float *B, int ldb, int transB,
                        float *C, int ldc, int accumulate);

/// Which microkernel qt_sgemm uses on this CPU: "avx512", "avx2" or "portable".
const char *qt_sgemm_kernel_name(void);

/// Depthwise 2-D convolution of one channel plane: out[oh][ow] = bias + Σ w[kh][kw]·in[...],
/// with zero padding. Output rows oh in [oh_begin, oh_end).
void qt_depthwise_plane(const float *input, int in_h, int in_w,
                        const float *weight, int k_h, int k_w,
                        float bias, float *output, int out_h, int out_w,
                        int stride_h, int stride_w, int pad_top, int pad_left,
                        int dilation_h, int dilation_w);

/// MaxPool of one plane whose every window lies inside it (no padding, no dilation), a NaN
/// in a window winning. k_w must be at most 64.
void qt_maxpool_plane(const float *input, int in_w, int k_h, int k_w, int stride_h, int stride_w,
                      float *output, int out_h, int out_w);

/// C[M×N] = A·B over int32 (operands already offset by their zero points), single-threaded.
void qt_igemm(int M, int N, int K, const int32_t *A, int lda, const int32_t *B, int ldb, int32_t *C, int ldc);

/// Keeps freed large blocks in the process heap (glibc returns blocks over 128 KB to the kernel
/// by default, so every run would fault in fresh pages for its activations).
void qt_keep_freed_memory(void);

typedef void (*qt_task_fn)(void *context, int task);

/// Runs fn(context, 0..<tasks) on up to `threads` threads (the caller is one of them) and
/// returns when all are done. Nested calls from inside a task run serially.
void qt_parallel_run(int tasks, int threads, qt_task_fn fn, void *context);

/// What one pass over float32 values finds (calibration): finite values counted, NaN/±inf
/// skipped, exact zeros, and the extremes and smallest magnitude of the finite values
/// (+inf/−inf when there are none).
typedef struct {
    int64_t count, nonfinite, zeros;
    float min, max, min_abs;
} qt_value_scan;

/// Scans n values: one AVX2 pass when the CPU has it and every value is finite, a scalar pass
/// that skips NaN and ±inf otherwise.
void qt_scan_f32(const float *x, size_t n, qt_value_scan *out);

/// Adds each value's bin ⌊(x + offset)·scale⌋ (of |x| when magnitude), clamped to
/// [0, bins − 1], to counts; NaN and ±inf are passed over when skip_nonfinite (and must not
/// occur otherwise). bins must fit in int32.
void qt_histogram_f32(const float *x, size_t n, float offset, float scale, int magnitude, int skip_nonfinite,
                      int64_t *counts, int64_t bins);

typedef enum { QT_ADD, QT_SUB, QT_MUL, QT_DIV } qt_binary_op;

/// out[i] = a[i·step_a] op b[i·step_b] for n floats; a step is 1 (the operand advances) or 0
/// (its first value repeats). Vectorized with AVX-512 or AVX2 when the CPU has them.
void qt_binary_f32(qt_binary_op op, const float *a, int step_a, const float *b, int step_b, float *out, size_t n);

/// out[i] = round_half_even(x[i] / scale) + zero_point clipped to [qmin, qmax] (NaN to 0),
/// stored in out_bytes = 1, 2 or 4 bytes (the value's low bits: unsigned types come out right).
/// numpy's quantization of a whole tensor, bit for bit.
void qt_quantize_f32(const float *x, size_t n, float scale, float zero_point, float qmin, float qmax,
                     void *out, int out_bytes);

/// y[i] = erf(x[i]) for n floats (y may equal x): a polynomial within 2.5 ulp of the correctly
/// rounded value, vectorized with AVX-512 or AVX2 when the CPU has them. The result does not
/// depend on the instruction set used.
void qt_erf_f32(const float *x, float *y, size_t n);

/// The same formula for one value (tests, scalar callers).
float qt_erf_scalar(float x);

#endif
