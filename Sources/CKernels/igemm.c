#include "CKernels.h"
#include <string.h>

// i-k-j order keeps the innermost loop a contiguous multiply-add over a row of B, which the
// compiler vectorizes; target_clones picks the widest instruction set at load time.
__attribute__((target_clones("avx512f", "avx2", "default")))
void qt_igemm(int M, int N, int K, const int32_t *A, int lda, const int32_t *B, int ldb, int32_t *C, int ldc) {
    for (int i = 0; i < M; i++) {
        int32_t *c = C + (size_t)i * ldc;
        memset(c, 0, sizeof(int32_t) * (size_t)N);
        const int32_t *a = A + (size_t)i * lda;
        for (int k = 0; k < K; k++) {
            const int32_t av = a[k];
            if (av == 0) continue;
            const int32_t *b = B + (size_t)k * ldb;
            for (int j = 0; j < N; j++) c[j] += av * b[j];
        }
    }
}
