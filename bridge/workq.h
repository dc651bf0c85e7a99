/*
 * workq.h - a small thread pool whose results come back to the event loop.
 *
 * Blocking work (DNS through ldns, SMTP to the local MTA, LMDB writes that
 * may wait for the writer lock) runs in a worker; its `done` callback then
 * runs on the loop thread, so handlers never block the loop and never
 * touch connection state from another thread.
 */
#ifndef BRIDGE_WORKQ_H
#define BRIDGE_WORKQ_H

struct event_base;
struct workq;

typedef void (*workq_fn)(void *arg);

/* Needs evthread_use_pthreads() before the base was made. */
struct workq *workq_new(struct event_base *base, int nthreads);
/* run(arg) in a worker, then done(arg) on the loop. */
void workq_submit(struct workq *q, workq_fn run, workq_fn done, void *arg);
/* Jobs queued or running. */
int workq_busy(struct workq *q);
/* Finish queued jobs, join the threads (done callbacks not run). */
void workq_free(struct workq *q);

#endif
