// Package engine runs DAG runs on asynq: it creates runs (runstore) and
// enqueues their ready task instances, and gives the worker the steps of one
// try (start, render arguments, complete) and the retry timer. Reconcile
// repairs what a crash between a Redis step and its enqueue left behind.
package engine
