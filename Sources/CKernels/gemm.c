// Blocked single-precision GEMM: panels of A (MR rows) and B (NR columns) are packed
// contiguously, then a register-blocked microkernel accumulates MR×NR tiles with FMA.
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

#define KC 256
#define MC 120
#define NC 512

// A tile's six rows are read in place: row r, step p at a[r·rs + p·ks] (rs = lda, ks = 1 for a
// plain A; rs = 1, ks = lda for a transposed one; rs = 1, ks = 6 for a packed edge panel).
typedef void (*microkernel_fn)(int k, const float *a, int rs, int ks, const float *b, float *c, int ldc, int accumulate);

static inline float load_a(const float *A, int lda, int transA, int i, int k) {
    return transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
}

static inline float load_b(const float *B, int ldb, int transB, int k, int j) {
    return transB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
}

void qt_sgemm_reference(int M, int N, int K, const float *A, int lda, int transA,
                        const float *B, int ldb, int transB, float *C, int ldc, int accumulate) {
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float sum = 0;
            for (int k = 0; k < K; k++) sum += load_a(A, lda, transA, i, k) * load_b(B, ldb, transB, k, j);
            C[(size_t)i * ldc + j] = accumulate ? C[(size_t)i * ldc + j] + sum : sum;
        }
    }
}

// A panel: for each k, MR consecutive row values (zero past the last row).
static void pack_a(int mr, int rows, int kc, const float *A, int lda, int transA, int i0, int k0, float *out) {
    for (int k = 0; k < kc; k++) {
        for (int r = 0; r < mr; r++) {
            out[k * mr + r] = r < rows ? load_a(A, lda, transA, i0 + r, k0 + k) : 0.0f;
        }
    }
}

// A B panel: for each k, NR consecutive column values (zero past the last column).
static void pack_b(int nr, int cols, int kc, const float *B, int ldb, int transB, int k0, int j0, float *out) {
    if (!transB && cols == nr) {
        // Copies of a constant size are inlined; a memcpy call per 64 or 128 bytes is not.
        const float *from = B + (size_t)k0 * ldb + j0;
        switch (nr) {
        case 32: for (int k = 0; k < kc; k++) memcpy(out + k * 32, from + (size_t)k * ldb, 32 * sizeof(float)); return;
        case 16: for (int k = 0; k < kc; k++) memcpy(out + k * 16, from + (size_t)k * ldb, 16 * sizeof(float)); return;
        default: for (int k = 0; k < kc; k++) memcpy(out + k * nr, from + (size_t)k * ldb, sizeof(float) * nr); return;
        }
    }
    for (int k = 0; k < kc; k++) {
        for (int c = 0; c < nr; c++) {
            out[k * nr + c] = c < cols ? load_b(B, ldb, transB, k0 + k, j0 + c) : 0.0f;
        }
    }
}

// ---- AVX-512: 6×32 tile in 12 zmm accumulators ------------------------------------------
#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static void micro_avx512(int k, const float *a, int rs, int ks, const float *b, float *c, int ldc, int accumulate) {
    const float *r0 = a, *r1 = a + rs, *r2 = a + 2 * rs, *r3 = a + 3 * rs, *r4 = a + 4 * rs, *r5 = a + 5 * rs;
    __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
    __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
    __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
    for (int p = 0; p < k; p++) {
        const size_t q = (size_t)p * ks;
        __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
        __m512 a0 = _mm512_set1_ps(r0[q]), a1 = _mm512_set1_ps(r1[q]), a2 = _mm512_set1_ps(r2[q]);
        c00 = _mm512_fmadd_ps(a0, b0, c00); c01 = _mm512_fmadd_ps(a0, b1, c01);
        c10 = _mm512_fmadd_ps(a1, b0, c10); c11 = _mm512_fmadd_ps(a1, b1, c11);
        c20 = _mm512_fmadd_ps(a2, b0, c20); c21 = _mm512_fmadd_ps(a2, b1, c21);
        __m512 a3 = _mm512_set1_ps(r3[q]), a4 = _mm512_set1_ps(r4[q]), a5 = _mm512_set1_ps(r5[q]);
        c30 = _mm512_fmadd_ps(a3, b0, c30); c31 = _mm512_fmadd_ps(a3, b1, c31);
        c40 = _mm512_fmadd_ps(a4, b0, c40); c41 = _mm512_fmadd_ps(a4, b1, c41);
        c50 = _mm512_fmadd_ps(a5, b0, c50); c51 = _mm512_fmadd_ps(a5, b1, c51);
        b += 32;
    }
    __m512 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < 6; r++) {
        float *row = c + (size_t)r * ldc;
        if (accumulate) {
            acc[2 * r] = _mm512_add_ps(acc[2 * r], _mm512_loadu_ps(row));
            acc[2 * r + 1] = _mm512_add_ps(acc[2 * r + 1], _mm512_loadu_ps(row + 16));
        }
        _mm512_storeu_ps(row, acc[2 * r]);
        _mm512_storeu_ps(row + 16, acc[2 * r + 1]);
    }
}

// ---- AVX2 + FMA: 6×16 tile in 12 ymm accumulators -----------------------------------------
__attribute__((target("avx2,fma")))
static void micro_avx2(int k, const float *a, int rs, int ks, const float *b, float *c, int ldc, int accumulate) {
    const float *r0 = a, *r1 = a + rs, *r2 = a + 2 * rs, *r3 = a + 3 * rs, *r4 = a + 4 * rs, *r5 = a + 5 * rs;
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (int p = 0; p < k; p++) {
        const size_t q = (size_t)p * ks;
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
        __m256 a0 = _mm256_broadcast_ss(r0 + q), a1 = _mm256_broadcast_ss(r1 + q), a2 = _mm256_broadcast_ss(r2 + q);
        c00 = _mm256_fmadd_ps(a0, b0, c00); c01 = _mm256_fmadd_ps(a0, b1, c01);
        c10 = _mm256_fmadd_ps(a1, b0, c10); c11 = _mm256_fmadd_ps(a1, b1, c11);
        c20 = _mm256_fmadd_ps(a2, b0, c20); c21 = _mm256_fmadd_ps(a2, b1, c21);
        __m256 a3 = _mm256_broadcast_ss(r3 + q), a4 = _mm256_broadcast_ss(r4 + q), a5 = _mm256_broadcast_ss(r5 + q);
        c30 = _mm256_fmadd_ps(a3, b0, c30); c31 = _mm256_fmadd_ps(a3, b1, c31);
        c40 = _mm256_fmadd_ps(a4, b0, c40); c41 = _mm256_fmadd_ps(a4, b1, c41);
        c50 = _mm256_fmadd_ps(a5, b0, c50); c51 = _mm256_fmadd_ps(a5, b1, c51);
        b += 16;
    }
    __m256 acc[12] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
    for (int r = 0; r < 6; r++) {
        float *row = c + (size_t)r * ldc;
        if (accumulate) {
            acc[2 * r] = _mm256_add_ps(acc[2 * r], _mm256_loadu_ps(row));
            acc[2 * r + 1] = _mm256_add_ps(acc[2 * r + 1], _mm256_loadu_ps(row + 8));
        }
        _mm256_storeu_ps(row, acc[2 * r]);
        _mm256_storeu_ps(row + 8, acc[2 * r + 1]);
    }
}
#endif

// ---- Portable: 6×8 tile ----------------------------------------------------------------------
static void micro_portable(int k, const float *a, int rs, int ks, const float *b, float *c, int ldc, int accumulate) {
    float acc[6][8] = {{0}};
    for (int p = 0; p < k; p++) {
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 8; j++) acc[r][j] += a[(size_t)r * rs + (size_t)p * ks] * b[j];
        b += 8;
    }
    for (int r = 0; r < 6; r++)
        for (int j = 0; j < 8; j++) c[(size_t)r * ldc + j] = accumulate ? c[(size_t)r * ldc + j] + acc[r][j] : acc[r][j];
}

typedef struct { microkernel_fn fn; int nr; const char *name; } microkernel;

static microkernel select_kernel(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return (microkernel){micro_avx512, 32, "avx512"};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return (microkernel){micro_avx2, 16, "avx2"};
#endif
    return (microkernel){micro_portable, 8, "portable"};
}

const char *qt_sgemm_kernel_name(void) { return select_kernel().name; }

// Packing buffers live per thread and grow as needed: no allocation (and no fresh pages to
// fault in) on every call.
static __thread float *packed_a, *packed_b;
static __thread size_t packed_a_capacity, packed_b_capacity;

static float *reserve(float **buffer, size_t *capacity, size_t count) {
    if (*capacity < count) {
        free(*buffer);
        *buffer = aligned_alloc(64, (sizeof(float) * count + 63) / 64 * 64);
        *capacity = count;
    }
    return *buffer;
}

// Sixteen independent partial sums: the compiler may vectorize them without reordering any
// single sum (which it must not do for floats).
__attribute__((target_clones("avx512f", "avx2", "default")))
static float dot(const float *a, const float *b, int n) {
    float partial[16] = {0};
    int k = 0;
    for (; k + 16 <= n; k += 16)
        for (int l = 0; l < 16; l++) partial[l] += a[k + l] * b[k + l];
    float sum = 0;
    for (int l = 0; l < 16; l++) sum += partial[l];
    for (; k < n; k++) sum += a[k] * b[k];
    return sum;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void axpy(float alpha, const float *x, float *y, int n) {
    for (int j = 0; j < n; j++) y[j] += alpha * x[j];
}

// Few rows (a matrix-vector product, say): packing would cost more than it saves.
static void sgemm_few_rows(int M, int N, int K, const float *A, int lda, int transA,
                           const float *B, int ldb, int transB, float *C, int ldc, int accumulate) {
    float *row = reserve(&packed_a, &packed_a_capacity, (size_t)K);
    for (int i = 0; i < M; i++) {
        for (int k = 0; k < K; k++) row[k] = load_a(A, lda, transA, i, k);
        float *c = C + (size_t)i * ldc;
        if (transB) {
            for (int j = 0; j < N; j++) {
                const float sum = dot(row, B + (size_t)j * ldb, K);
                c[j] = accumulate ? c[j] + sum : sum;
            }
        } else {
            if (!accumulate) memset(c, 0, sizeof(float) * (size_t)N);
            for (int k = 0; k < K; k++) axpy(row[k], B + (size_t)k * ldb, c, N);
        }
    }
}

// The microkernel's B panels for all of B, packed once: per KC block of rows, the NR-column
// panels one after another (kc·NR floats each), the layout sgemm_blocked packs per block.
static int panel_count(int N, int NR) { return (N + NR - 1) / NR; }

size_t qt_sgemm_packed_b_size(int N, int K) {
    const int NR = select_kernel().nr;
    return (size_t)panel_count(N, NR) * NR * (K > 0 ? K : 0);
}

void qt_sgemm_pack_b(int N, int K, const float *B, int ldb, int transB, float *out) {
    const int NR = select_kernel().nr, panels = panel_count(N, NR);
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = K - k0 < KC ? K - k0 : KC;
        float *block = out + (size_t)k0 * panels * NR;
        for (int p = 0; p < panels; p++) {
            const int j0 = p * NR, cols = N - j0 < NR ? N - j0 : NR;
            pack_b(NR, cols, kc, B, ldb, transB, k0, j0, block + (size_t)p * kc * NR);
        }
    }
}

// The packed GEMM over MC×NC blocks of C. B's panels come from `pre` when given (columns
// [column, column + N) of a matrix packed by qt_sgemm_pack_b), else are packed per block.
static void sgemm_blocked(int M, int N, int K, const float *A, int lda, int transA,
                          const float *B, int ldb, int transB, const float *pre, int pre_n, int column,
                          float *C, int ldc, int accumulate) {
    const microkernel kernel = select_kernel();
    const int MR = 6, NR = kernel.nr;
    float *bpack = pre ? 0 : reserve(&packed_b, &packed_b_capacity, (size_t)KC * NC);
    float *apack = reserve(&packed_a, &packed_a_capacity, (size_t)KC * MR);
    float tile[6 * 32];
    for (int jc = 0; jc < N; jc += NC) {
        const int nc = N - jc < NC ? N - jc : NC;
        const int n_panels = (nc + NR - 1) / NR;
        for (int k0 = 0; k0 < K; k0 += KC) {
            const int kc = K - k0 < KC ? K - k0 : KC;
            const int acc = accumulate || k0 > 0;
            const float *bblock;
            if (pre) {
                bblock = pre + (size_t)k0 * panel_count(pre_n, NR) * NR + (size_t)((column + jc) / NR) * kc * NR;
            } else {
                for (int p = 0; p < n_panels; p++) {
                    const int j0 = jc + p * NR, cols = jc + nc - j0 < NR ? jc + nc - j0 : NR;
                    pack_b(NR, cols, kc, B, ldb, transB, k0, j0, bpack + (size_t)p * kc * NR);
                }
                bblock = bpack;
            }
            for (int i0 = 0; i0 < M; i0 += MC) {
                const int mc = M - i0 < MC ? M - i0 : MC;
                // Full tiles read A in place; only a last tile of fewer than MR rows is packed
                // (zero-padded), so that the microkernel never reads past A.
                const int full_rows = mc / MR * MR;
                if (full_rows < mc) pack_a(MR, mc - full_rows, kc, A, lda, transA, i0 + full_rows, k0, apack);
                for (int p = 0; p < n_panels; p++) {
                    const int j0 = jc + p * NR, cols = jc + nc - j0 < NR ? jc + nc - j0 : NR;
                    const float *bp = bblock + (size_t)p * kc * NR;
                    for (int r0 = 0; r0 < mc; r0 += MR) {
                        const int rows = mc - r0 < MR ? mc - r0 : MR;
                        float *c = C + (size_t)(i0 + r0) * ldc + j0;
                        const int packed_rows = rows < MR;
                        const float *a = packed_rows ? apack
                            : transA ? A + (size_t)k0 * lda + i0 + r0 : A + (size_t)(i0 + r0) * lda + k0;
                        const int rs = packed_rows ? 1 : transA ? 1 : lda, ks = packed_rows ? MR : transA ? lda : 1;
                        if (rows == MR && cols == NR) {
                            kernel.fn(kc, a, rs, ks, bp, c, ldc, acc);
                        } else {
                            // Edge tile: compute the full tile aside, then copy the valid part.
                            kernel.fn(kc, a, rs, ks, bp, tile, NR, 0);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < cols; j++)
                                    c[(size_t)r * ldc + j] = acc ? c[(size_t)r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
                        }
                    }
                }
            }
        }
    }
}

void qt_sgemm_prepacked(int M, int N, int K, const float *A, int lda, int transA,
                        const float *B, int ldb, int transB, const float *packed, int packed_n, int column,
                        float *C, int ldc, int accumulate) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        if (!accumulate) for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, sizeof(float) * N);
        return;
    }
    // With few rows, packing costs more than it saves; with a transposed B the packing is a
    // gather, while the row-by-row path reads B's rows contiguously.
    if (M <= 4 || (transB && M < 8)) {
        sgemm_few_rows(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, accumulate);
        return;
    }
    sgemm_blocked(M, N, K, A, lda, transA, B, ldb, transB, packed, packed_n, column, C, ldc, accumulate);
}

void qt_sgemm(int M, int N, int K, const float *A, int lda, int transA,
              const float *B, int ldb, int transB, float *C, int ldc, int accumulate) {
    qt_sgemm_prepacked(M, N, K, A, lda, transA, B, ldb, transB, 0, 0, 0, C, ldc, accumulate);
}
