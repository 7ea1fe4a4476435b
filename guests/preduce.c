/* preduce [T] [N]: a parallel reduction with pthreads (issue 12).  T threads each sum a
 * strided share of N pseudo-random values into a private partial sum, then add it to the
 * total under a mutex and signal a condition variable; the main thread waits on the condition
 * until every thread has reported, joins them, and checks the total against its own serial
 * sum.  Prints T, N and the total: deterministic, whatever the interleaving. */
#include <pthread.h>

#include "guest.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reported = PTHREAD_COND_INITIALIZER;
static uint32_t *values;
static long nvalues, nthreads, done;
static uint64_t total;

static void *reduce(void *arg)
{
    long id = (long)arg;
    uint64_t part = 0;
    for (long i = id; i < nvalues; i += nthreads)
        part += values[i] % 1000;
    pthread_mutex_lock(&lock);
    total += part;
    done++;
    pthread_cond_signal(&reported);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    nthreads = gst_arg(argc, argv, 1, "T threads", 4, 1, 64);
    nvalues = gst_arg(argc, argv, 2, "N values", 1000000, 1, 50000000);
    values = malloc((size_t)nvalues * sizeof *values);
    if (!values) {
        perror("malloc");
        return 1;
    }
    uint32_t s = 12345;
    uint64_t serial = 0;
    for (long i = 0; i < nvalues; i++) {
        values[i] = gst_xorshift32(&s);
        serial += values[i] % 1000;
    }
    pthread_t th[64];
    for (long t = 0; t < nthreads; t++)
        if (pthread_create(&th[t], NULL, reduce, (void *)t) != 0) {
            fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
            return 1;
        }
    pthread_mutex_lock(&lock);
    while (done < nthreads)
        pthread_cond_wait(&reported, &lock);
    pthread_mutex_unlock(&lock);
    for (long t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    if (total != serial) {
        fprintf(stderr, "%s: parallel total %llu, serial %llu\n", argv[0],
                (unsigned long long)total, (unsigned long long)serial);
        return 1;
    }
    printf("preduce: %ld threads, %ld values, total %llu\n", nthreads, nvalues,
           (unsigned long long)total);
    return 0;
}
