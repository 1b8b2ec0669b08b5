// The FMA peak of this CPU on T threads at AVX2 width: each thread runs 12 independent chains of
// 256-bit multiply-adds (enough to cover the FMA latency on two ports), counted as 2 flops per
// lane. The ceiling the convolution tiles are measured against (BENCHMARKS.md).
//
//   gcc -O3 -mavx2 -mfma -pthread scripts/fma_peak.c -o /tmp/fma_peak && /tmp/fma_peak [THREADS=2]
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 333333333L /* per chain and thread: 12 chains, 4e9 multiply-adds a thread */
#define CHAINS 12

static void *run(void *out) {
    __m256 acc[CHAINS];
    const __m256 b = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(0.001f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long k = 0; k < ITERATIONS; k++)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], b, c);
    float sum = 0, lane[8];
    for (int i = 0; i < CHAINS; i++) {
        _mm256_storeu_ps(lane, acc[i]);
        sum += lane[0];
    }
    *(float *)out = sum; /* keeps the chains alive */
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    if (threads < 1 || threads > 256) {
        fprintf(stderr, "fma_peak: THREADS must be 1 to 256\n");
        return 2;
    }
    pthread_t th[256];
    float out[256];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, run, &out[i]);
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    double flops = 2.0 * 8 * CHAINS * (double)ITERATIONS * threads;
    float check = 0;
    for (int i = 0; i < threads; i++) check += out[i];
    printf("%.1f GFLOP/s on %d thread(s), AVX2 FMA (%.3f s; checksum %.3f)\n", flops / s / 1e9,
           threads, s, check);
    return 0;
}
