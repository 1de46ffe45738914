// A small persistent thread pool for intra-op parallelism. Workers spin briefly after each
// job (kernels come back to back) and then sleep; the caller takes tasks too.
#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>

#define MAX_WORKERS 63
#define SPIN_ROUNDS 20000

static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int worker_count;

static qt_task_fn job_fn;
static void *job_context;
static int job_tasks;
static atomic_int next_task;
static atomic_int finished_tasks;
static atomic_uint generation;
static _Thread_local int inside_job;

static void take_tasks(void) {
    for (;;) {
        const int task = atomic_fetch_add_explicit(&next_task, 1, memory_order_acq_rel);
        if (task >= job_tasks) return;
        job_fn(job_context, task);
        atomic_fetch_add_explicit(&finished_tasks, 1, memory_order_acq_rel);
    }
}

static inline void relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

static void *worker(void *unused) {
    (void)unused;
    inside_job = 1;
    unsigned seen = atomic_load_explicit(&generation, memory_order_acquire);
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&generation, memory_order_acquire) == seen && spins < SPIN_ROUNDS) {
            relax();
            spins++;
        }
        if (atomic_load_explicit(&generation, memory_order_acquire) == seen) {
            pthread_mutex_lock(&sleep_lock);
            while (atomic_load_explicit(&generation, memory_order_acquire) == seen) pthread_cond_wait(&wake, &sleep_lock);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = atomic_load_explicit(&generation, memory_order_acquire);
        take_tasks();
    }
    return 0;
}

void qt_parallel_run(int tasks, int threads, qt_task_fn fn, void *context) {
    if (tasks <= 0) return;
    // One thread, one task, or a task that itself asks for threads: run here, in order.
    if (tasks == 1 || threads <= 1 || inside_job) {
        for (int task = 0; task < tasks; task++) fn(context, task);
        return;
    }
    pthread_mutex_lock(&job_lock);
    int wanted = threads - 1 < MAX_WORKERS ? threads - 1 : MAX_WORKERS;
    while (worker_count < wanted) {
        pthread_t thread;
        if (pthread_create(&thread, 0, worker, 0) != 0) break;
        pthread_detach(thread);
        worker_count++;
    }
    job_fn = fn;
    job_context = context;
    job_tasks = tasks;
    atomic_store_explicit(&finished_tasks, 0, memory_order_release);
    atomic_store_explicit(&next_task, 0, memory_order_release);
    pthread_mutex_lock(&sleep_lock);
    atomic_fetch_add_explicit(&generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
    inside_job = 1;
    take_tasks();
    inside_job = 0;
    while (atomic_load_explicit(&finished_tasks, memory_order_acquire) < tasks) relax();
    pthread_mutex_unlock(&job_lock);
}
