/*
 * workq.c - worker threads for blocking jobs (see workq.h).
 *
 * One mutex guards the queue of jobs to run.  Finished jobs go on a
 * lock-free stack, and only the job that finds it empty makes the loop's
 * persistent wake event active (libevent's pthread locking makes that
 * safe across threads): the loop takes every finished job in one pass,
 * and a worker never waits for the loop's or another worker's lock to
 * hand a result back.
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

#include "ssmp_buf.h"
#include "workq.h"

struct job {
	workq_fn	 run, done;
	void		*arg;
	struct job	*next;
};

struct workq {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct job	*todo, **todo_tail;
	struct job	*finished;	/* atomic stack */
	struct event	*wake;
	pthread_t	*threads;
	int		 nthreads;
	int		 busy;		/* atomic */
	bool		 stopping;
};

/*
 * Push j; the first on an empty stack wakes the loop.  A job pushed on a
 * non-empty stack was pushed after one that found it empty and has not
 * been taken yet, whose wake-up is still to come or not yet handled.
 */
static void
finished(struct workq *q, struct job *j)
{
	struct job *top = __atomic_load_n(&q->finished, __ATOMIC_RELAXED);

	do
		j->next = top;
	while (!__atomic_compare_exchange_n(&q->finished, &top, j, true,
	    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	if (top == NULL)
		event_active(q->wake, EV_READ, 0);
}

static void *
worker(void *arg)
{
	struct workq *q = arg;
	struct job *j;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->todo == NULL && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->todo == NULL)
			break;
		j = q->todo;
		if ((q->todo = j->next) == NULL)
			q->todo_tail = &q->todo;
		pthread_mutex_unlock(&q->mu);
		j->run(j->arg);
		finished(q, j);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* On the loop: run the done callbacks of finished jobs, oldest first. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct workq *q = arg;
	struct job *list, *rev = NULL, *j;

	list = __atomic_exchange_n(&q->finished, NULL, __ATOMIC_ACQUIRE);
	while (list != NULL) {
		j = list;
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		__atomic_sub_fetch(&q->busy, 1, __ATOMIC_RELAXED);
		if (j->done != NULL)
			j->done(j->arg);
		free(j);
	}
}

struct workq *
workq_new(struct event_base *base, int nthreads)
{
	struct workq *q = ssmp_xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->todo_tail = &q->todo;
	q->wake = event_new(base, -1, EV_PERSIST, on_wake, q);
	q->threads = ssmp_xcalloc((size_t)nthreads, sizeof(pthread_t));
	q->nthreads = nthreads;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&q->threads[i], NULL, worker, q) != 0)
			abort();
	return q;
}

void
workq_submit(struct workq *q, workq_fn run, workq_fn done, void *arg)
{
	struct job *j = ssmp_xcalloc(1, sizeof(*j));

	j->run = run;
	j->done = done;
	j->arg = arg;
	__atomic_add_fetch(&q->busy, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&q->mu);
	*q->todo_tail = j;
	q->todo_tail = &j->next;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int
workq_busy(struct workq *q)
{
	return __atomic_load_n(&q->busy, __ATOMIC_RELAXED);
}

void
workq_free(struct workq *q)
{
	struct job *j;

	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->nthreads; i++)
		pthread_join(q->threads[i], NULL);
	while ((j = q->finished) != NULL) {
		q->finished = j->next;
		free(j);
	}
	event_free(q->wake);
	free(q->threads);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}
