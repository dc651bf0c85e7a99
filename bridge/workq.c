/*
 * workq.c - worker threads for blocking jobs (see workq.h).
 *
 * One mutex guards both queues; finished jobs wake the loop through one
 * persistent event made active from the worker (libevent's pthread
 * locking makes event_active safe across threads).
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
	struct job	*finished;
	struct event	*wake;
	pthread_t	*threads;
	int		 nthreads;
	int		 busy;
	bool		 stopping;
};

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
		pthread_mutex_lock(&q->mu);
		j->next = q->finished;
		q->finished = j;
		event_active(q->wake, EV_READ, 0);
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

	pthread_mutex_lock(&q->mu);
	list = q->finished;
	q->finished = NULL;
	pthread_mutex_unlock(&q->mu);
	while (list != NULL) {
		j = list;
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		pthread_mutex_lock(&q->mu);
		q->busy--;
		pthread_mutex_unlock(&q->mu);
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
	pthread_mutex_lock(&q->mu);
	*q->todo_tail = j;
	q->todo_tail = &j->next;
	q->busy++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

int
workq_busy(struct workq *q)
{
	int n;

	pthread_mutex_lock(&q->mu);
	n = q->busy;
	pthread_mutex_unlock(&q->mu);
	return n;
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
