/*
 * core_roundtrip.c - how long one cache line takes to go from one core to
 * the other and back, in nanoseconds (bench/compare.sh prints it before
 * each session_merge round).
 *
 * Two threads hand a counter back and forth through one 64-byte line, each
 * spinning until the other has moved it on.  On this 2-vCPU machine the
 * answer moves between about 70 ns and 350 ns from minute to minute: the
 * host places the two vCPUs on cores that share a cache or on cores that
 * do not.  A pipeline whose records are built on one thread and read on
 * the other (sources on threads of their own) runs at the speed of that
 * transfer; one thread alone (the jansson floor) does not notice it.
 *
 * Usage: core_roundtrip [ROUNDS]   (default 200000); prints "N" (ns).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static _Alignas(64) _Atomic long turn;
static long rounds = 200000;

/* The second thread: answers 2i + 1 with 2i + 2. */
static void *answer(void *arg)
{
  for (long i = 0; i < rounds; i++) {
    while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 1)
      ;
    atomic_store_explicit(&turn, 2 * i + 2, memory_order_release);
  }
  return arg;
}

int main(int argc, char **argv)
{
  struct timespec start, end;
  pthread_t other;
  double ns;

  if (argc > 1 && (rounds = strtol(argv[1], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: core_roundtrip [ROUNDS]\n");
    return 2;
  }
  if (pthread_create(&other, NULL, answer, NULL) != 0) {
    perror("core_roundtrip: pthread_create");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < rounds; i++) {
    atomic_store_explicit(&turn, 2 * i + 1, memory_order_release);
    while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 2)
      ;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  pthread_join(other, NULL);
  ns = (double)(end.tv_sec - start.tv_sec) * 1e9 +
       (double)(end.tv_nsec - start.tv_nsec);
  printf("%.0f\n", ns / (double)rounds);
  return 0;
}
