// Float arithmetic over one run of a broadcast (see the Runtime's BroadcastPlan): each operand
// either advances (step 1) or repeats its first value (step 0). One clone per instruction set;
// IEEE add, subtract, multiply and divide round the same in every one.
#include "CKernels.h"

#define RUN_LOOPS(EXPR)                                                                              \
    do {                                                                                             \
        if (step_a && step_b) {                                                                      \
            for (size_t i = 0; i < n; i++) { const float x = a[i], y = b[i]; out[i] = EXPR; }        \
        } else if (step_a) {                                                                         \
            const float y = b[0];                                                                    \
            for (size_t i = 0; i < n; i++) { const float x = a[i]; out[i] = EXPR; }                  \
        } else if (step_b) {                                                                         \
            const float x = a[0];                                                                    \
            for (size_t i = 0; i < n; i++) { const float y = b[i]; out[i] = EXPR; }                  \
        } else {                                                                                     \
            const float x = a[0], y = b[0], value = EXPR;                                            \
            for (size_t i = 0; i < n; i++) out[i] = value;                                           \
        }                                                                                            \
    } while (0)

__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
void qt_binary_f32(qt_binary_op op, const float *a, int step_a, const float *b, int step_b, float *out, size_t n) {
    switch (op) {
    case QT_ADD: RUN_LOOPS(x + y); break;
    case QT_SUB: RUN_LOOPS(x - y); break;
    case QT_MUL: RUN_LOOPS(x * y); break;
    case QT_DIV: RUN_LOOPS(x / y); break;
    }
}
