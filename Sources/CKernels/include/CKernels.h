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

#endif
